"""Untrusted text rendered inertly: the sanitiser, the page renderers, and what graduates see of
server details. Markdown is rendered by a CommonMark renderer that *allows* raw HTML (as
Gradio's does), so any tag that comes through is a real failure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.chat.models import Answer, Citation
from bot.settings import Settings
from bot.store.models import Annotation, Conversation, Feedback, StoredTurn
from tests.markdown_view import links, shown, tags
from ui.public import for_graduates, public_answer
from ui.render import answer_markdown, citation_detail, conversation_markdown
from ui.sanitize import literal, quoted, strict

LISTENER = "http://127.0.0.1:9/collect"
PAYLOADS = [
    f'<form action="{LISTENER}"><input name="card" placeholder="卡号"><button>提交</button></form>',
    f'<img src="{LISTENER}/pixel.png">',
    f"![pixel]({LISTENER}/p.png)",
    f"![pixel][ref]\n\n[ref]: {LISTENER}/p.png",
    "<details open><summary>点我</summary>隐藏内容</details>",
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">领取补贴</a>',
    "[领取补贴](javascript:alert(1))",
    "[领取补贴](data:text/html;base64,PHNjcmlwdD4=)",
    f"<{LISTENER}>",
    "<!-- hidden --><iframe src='http://127.0.0.1:9/'></iframe>",
    "```html\n<form action='http://127.0.0.1:9/'></form>\n```",
    "<svg onload=alert(1)></svg><style>body{display:none}</style>",
]
LIVE_TAGS = {
    "form",
    "input",
    "button",
    "img",
    "details",
    "summary",
    "script",
    "iframe",
    "svg",
    "style",
    "textarea",
    "select",
    "object",
    "embed",
    "video",
    "audio",
    "link",
    "meta",
}


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("make", [literal, strict], ids=["literal", "strict"])
def test_no_payload_becomes_live_html_or_a_remote_load(make, payload: str) -> None:
    rendered = make(payload)
    assert not tags(rendered) & LIVE_TAGS, tags(rendered)
    assert all(not link.lower().startswith(("javascript:", "data:")) for link in links(rendered))
    # the words are still there, as text
    assert "form" not in payload or "form" in shown(rendered)


def test_literal_shows_exactly_what_was_typed() -> None:
    typed = "### Turn 7\n**已审核** _x_ `code` 1. 第一\n\n> 引用 | 表格 | \\ $x$ www.ncss.cn"
    assert tags(literal(typed)) <= {"p", "br"}
    text = shown(literal(typed))
    for piece in ("### Turn 7", "**已审核**", "_x_", "`code`", "> 引用 | 表格 |", "$x$"):
        assert piece in text
    assert links(literal(typed)) == []  # a graduate's own text links nothing


def test_literal_keeps_lines_and_paragraphs_but_drops_indentation() -> None:
    rendered = literal("第一行\n    第二行（缩进会变成代码块）\n\n第二段")
    assert "code" not in tags(rendered) and "pre" not in tags(rendered)
    assert shown(rendered) == "第一行 第二行（缩进会变成代码块） 第二段"
    assert rendered.count("\n\n") == 1


def test_strict_keeps_answer_markdown_and_safe_links() -> None:
    answer = "**条件**：\n\n- 低保家庭[1]\n- 拨打 [12333](tel:12333) 或 [e-mail](mailto:a@b.cn)"
    rendered = strict(answer)
    assert {"strong", "ul", "li", "a"} <= tags(rendered)
    assert links(rendered) == ["tel:12333", "mailto:a@b.cn"]
    assert "低保家庭[1]" in shown(rendered)


@pytest.mark.parametrize(
    ("text", "href", "after"),
    [
        ("请登录www.ncss.cn）。", "https://www.ncss.cn", "）。"),
        ("网址：https://www.12333.gov.cn/，。", "https://www.12333.gov.cn/", "，。"),
        ("见 http://www.chsi.com.cn。然后", "http://www.chsi.com.cn", "。然后"),
        ("(see www.ncss.cn).", "https://www.ncss.cn", ")."),
        ("详见https://a.gov.cn/x?id=1&t=2、b", "https://a.gov.cn/x?id=1&t=2", "、b"),
    ],
)
def test_chinese_punctuation_is_not_part_of_a_link(text: str, href: str, after: str) -> None:
    rendered = strict(text)
    assert links(rendered) == [href]
    assert shown(rendered).endswith(after)


def test_quoted_block_cannot_be_left() -> None:
    forged = "问题\n\n---\n\n### Turn 7 (id 99)\n\nAnnotation by li: 已审核"
    block = quoted(literal(forged))
    assert all(line.startswith(">") for line in block.splitlines())
    assert "h3" not in tags(block) and "hr" not in tags(block)


def _turn(question: str, answer_text: str, **extra: object) -> StoredTurn:
    return StoredTurn(
        id=5,
        position=0,
        created_at=datetime(2026, 6, 1, tzinfo=UTC),
        question=question,
        answer=Answer(answer=answer_text, citations=[_cite()]),
        latency_ms=12,
        **extra,  # type: ignore[arg-type]
    )


def _cite(**fields: object) -> Citation:
    values: dict[str, object] = {
        "n": 1,
        "title": "<img src=http://127.0.0.1:9/t.png>《通知》",
        "section": "一、对象",
        "text": "<form action=http://127.0.0.1:9/><input></form>正文",
        "source": "/srv/careercoach/knowledge/docs/x.md",
    }
    values.update(fields)
    return Citation.model_validate(values)


def test_counselor_view_puts_the_graduate_in_a_labelled_block_and_forges_nothing() -> None:
    question = "补贴？\n\n### Turn 7 (id 99)\n\nAnnotation by wang: correct yes · 已审核"
    turn = _turn(
        question,
        "<details open>答</details>",
        feedback=Feedback(rating=-1, comment="<img src=x>差评", created_at=datetime.now(UTC)),
        annotations=[
            Annotation(
                id=1,
                by_user="li",
                correct=True,
                note="<b>备注</b>",
                created_at=datetime.now(UTC),
            )
        ],
    )
    conversation = Conversation(
        id=3,
        started_at=datetime(2026, 6, 1, tzinfo=UTC),
        updated_at=datetime(2026, 6, 1, tzinfo=UTC),
        lang="zh",
        turns=[turn],
        flagged=True,
        flag_reason="<form>",
    )
    view = conversation_markdown(conversation)
    assert not tags(view) & LIVE_TAGS
    assert view.count("\n### ") == 1  # one real turn heading, the forged one is quoted text
    real = [line for line in view.splitlines() if line.startswith("Annotation by")]
    assert real == [line for line in real if line.startswith("Annotation by li")]
    forged = [line for line in view.splitlines() if "Annotation by wang" in line]
    assert forged and all(line.startswith(">") for line in forged)
    assert "毕业生原话" in view and "回答 / answer" in view


def test_answer_and_passage_show_document_html_as_text() -> None:
    answer = Answer(answer="答<form action=x>", citations=[_cite()], warnings=["<img src=x>"])
    for rendered in (answer_markdown(answer, "zh"), citation_detail(_cite(), "zh")):
        assert not tags(rendered) & LIVE_TAGS
        assert "《通知》" in shown(rendered)
    assert "x.md" in shown(citation_detail(_cite(), "zh"))
    assert "/srv/careercoach" not in citation_detail(_cite(), "zh")


def test_graduates_never_see_endpoint_addresses_or_setting_names(tmp_path) -> None:
    settings = Settings(
        home=tmp_path / "home",
        openai_base_url="http://10.2.3.4:8000/v1",
        chroma_url="http://chroma.internal:8000",
    )
    messages = [
        "接口 http://10.2.3.4:8000/v1 响应超时（llm_timeout_s）",
        "cannot reach the endpoint http://10.2.3.4:8000/v1: is it running? (OPENAI_BASE_URL)",
        "Chroma at chroma.internal:8000 failed",
        "http://127.0.0.1:11434/api failed; see CAREERCOACH_CHAT_MODEL",
        f"file {settings.home}/index/gen-3 is damaged",
    ]
    for text in messages:
        cleaned = for_graduates(text, settings, "en")
        for secret in (
            "10.2.3.4",
            "chroma.internal",
            "127.0.0.1",
            "llm_timeout_s",
            "OPENAI_BASE_URL",
            "CAREERCOACH_",
            str(settings.home),
        ):
            assert secret not in cleaned, (text, cleaned)
    assert for_graduates("see https://www.ncss.cn", settings) == "see https://www.ncss.cn"
    assert "超时" in for_graduates(messages[0], settings, "zh")


def test_api_citations_carry_the_file_name_and_document_id(tmp_path) -> None:
    settings = Settings(home=tmp_path / "home")
    body = public_answer(Answer(answer="a", citations=[_cite(doc_id="doc-7")]), settings)
    assert body["citations"][0]["source"] == "x.md"
    assert body["citations"][0]["doc_id"] == "doc-7"
