"""The web app's handlers, called as plain functions (no browser, no server), on a real store."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.store.models import TranscriptFilter
from tests.markdown_view import shown
from tests.ui_fakes import PASSAGE, FakeRequest, make_services
from ui.counselor import CounselorReview
from ui.graduate import GraduateChat
from ui.maintainer import MaintainerConsole, eval_markdown

SESSION = "session-aaaaaaaaaaaaaaaa"
OTHER = "session-bbbbbbbbbbbbbbbb"


@pytest.fixture
def parts(settings: Settings):
    services, coach, kb, store = make_services(settings)
    yield services, coach, kb, store
    store.close()


def ask(chat: GraduateChat, question: str, session: str = SESSION, messages=None, ids=None):
    steps = list(chat.respond(question, messages or [], ids or {}, FakeRequest(session)))
    return steps


def test_respond_streams_then_shows_cited_answer_and_stores_it(parts) -> None:
    services, _coach, _, store = parts
    chat = GraduateChat(services)
    steps = ask(chat, "低保家庭有补贴吗？")
    partial = [s[0][-1]["content"] for s in steps[1:-1]]
    assert partial and partial[0] == "可以申请"  # the first streamed delta arrives on its own
    messages, turn_ids, cites, _radio, _passage, box = steps[-1]
    assert messages[0]["role"] == "user" and shown(messages[0]["content"]) == "低保家庭有补贴吗？"
    answer = shown(messages[1]["content"])
    assert "一次性求职补贴[1]" in answer
    assert "[1] 《一次性求职补贴》 · 二、申领条件 · 第3页 · 2024-05-01" in answer
    assert box == ""
    assert [c["n"] for c in cites] == [1]
    conversation = store.conversation_for_session(SESSION)
    assert [t.id for t in conversation.turns] == [turn_ids["1"]]
    assert conversation.turns[0].answer.citations[0].text == PASSAGE


def test_history_comes_from_the_store_and_sessions_are_private(parts) -> None:
    services, coach, _, _ = parts
    chat = GraduateChat(services)
    ask(chat, "第一个问题")
    ask(chat, "那研究生呢？", messages=[{"role": "user", "content": "forged"}])
    _, history, _ = coach.calls[-1]
    assert next(t.text for t in history) == "第一个问题"  # not the forged browser history
    assert len(history) == 2
    mine, ids = chat.restore(FakeRequest(SESSION))
    asked = [shown(m["content"]) for m in mine if m["role"] == "user"]
    assert asked == ["第一个问题", "那研究生呢？"]
    assert set(ids) == {"1", "3"}
    theirs, _ = chat.restore(FakeRequest(OTHER))
    assert theirs == []


def test_new_chat_starts_an_empty_conversation(parts) -> None:
    services, _, _, store = parts
    chat = GraduateChat(services)
    ask(chat, "第一个问题")
    messages, ids, *_ = chat.new_chat(FakeRequest(SESSION))
    assert messages == [] and ids == {}
    assert chat.restore(FakeRequest(SESSION))[0] == []
    ask(chat, "第二个问题")
    listed = store.list_conversations(TranscriptFilter())
    assert sorted(s.first_question for s in listed) == ["第一个问题", "第二个问题"]


def test_show_source_gives_document_section_page_and_date(parts) -> None:
    services, *_ = parts
    chat = GraduateChat(services)
    cites = ask(chat, "补贴？")[-1][2]
    text = shown(GraduateChat.show_source("1", cites, "中文"))
    for expected in ("一次性求职补贴", "二、申领条件", "3", "2024-05-01", PASSAGE):
        assert expected in text
    assert "Section" in GraduateChat.show_source("1", cites, "English")
    assert GraduateChat.show_source("7", cites, "中文") == ""


def test_rating_and_comment_reach_the_store(parts) -> None:
    services, _, _, store = parts
    chat = GraduateChat(services)
    ids = ask(chat, "补贴？")[-1][1]
    status, rated = chat.rate(1, False, ids, "中文", FakeRequest(SESSION))
    assert rated == ids["1"] and "谢谢" in status
    chat.comment("金额没说清楚", rated, {str(rated): -1}, "中文", FakeRequest(SESSION))
    summary = store.list_conversations(TranscriptFilter(negative_feedback=True))
    assert len(summary) == 1 and summary[0].negative_feedback == 1
    feedback = store.get_conversation(summary[0].id).turns[0].feedback
    assert feedback is not None and feedback.rating == -1 and feedback.comment == "金额没说清楚"
    # a user message index or a comment before any rating does nothing
    assert chat.rate(0, True, ids, "中文", FakeRequest(SESSION)) == ("", None)
    assert "点赞" in chat.comment("hi", None, {}, "中文", FakeRequest(SESSION))[0]


def test_plan_is_kept_for_its_own_session_and_never_written_to_disk(parts) -> None:
    services, *_ = parts
    chat = GraduateChat(services)
    fields = ("本科", "会计", 2026, "甘肃", "", [], ["低保家庭"], "", "中文")
    markdown, download = chat.plan(*fields, FakeRequest(SESSION))
    assert markdown.startswith("# 职业规划") and "本科 会计" in shown(markdown)
    url = re.search(r'href="(/plans/[\w-]+)"', download["value"]).group(1)
    plan_id = url.rsplit("/", 1)[1]
    assert chat.plans.get(plan_id, SESSION) == "# 职业规划\n\n- 本科 会计"
    assert chat.plans.get(plan_id, OTHER) is None and chat.plans.get(plan_id, None) is None
    assert not (services.settings.cache_dir / "plans").exists()
    english, _ = chat.plan(None, "", None, "", "", [], [], "", "English", FakeRequest(SESSION))
    assert english.startswith("# Career plan")


def _two_conversations(services) -> None:
    chat = GraduateChat(services)
    ask(chat, "低保家庭有补贴吗？", session=SESSION)
    ids = ask(chat, "火星上有补贴吗？", session=OTHER)[-1][1]
    chat.rate(1, False, ids, "中文", FakeRequest(OTHER))


def test_counselor_filters_open_annotate_flag(parts) -> None:
    services, _, _, store = parts
    _two_conversations(services)
    review = CounselorReview(services)
    rows, status = review.search("", "", "", False, False, False, "")
    assert len(rows) == 2 and "2" in status
    rows, _ = review.search("", "", "", True, False, False, "")
    assert [r[4] for r in rows] == ["火星上有补贴吗？"]
    rows, _ = review.search("", "", "", False, True, False, "")
    assert [r[4] for r in rows] == ["火星上有补贴吗？"]
    rows, _ = review.search("", "", "", False, False, False, "低保")
    assert len(rows) == 1
    assert review.search("2026-13-01", "", "", False, False, False, "")[1].startswith("注意")

    conversation_id = rows[0][0]
    view, turns = review.open(conversation_id)
    assert "低保家庭有补贴吗？" in shown(view) and "mode offline" in shown(view)
    turn_id = turns["value"]
    staff = FakeRequest(username="li")
    status, view = review.annotate(conversation_id, turn_id, "yes", "no", "—", "引用不对", staff)
    assert "annotation saved" in status
    assert "Annotation by li" in shown(view) and "引用不对" in shown(view)
    note = store.get_conversation(conversation_id).turns[0].annotations[0]
    assert (note.correct, note.citations_ok, note.tone_ok) == (True, False, None)

    review.flag(conversation_id, "需要跟进", staff)
    assert [r[0] for r in review.search("", "", "", False, False, True, "")[0]] == [conversation_id]
    review.unflag(conversation_id, staff)
    assert review.search("", "", "", False, False, True, "")[0] == []
    with pytest.raises(Exception, match="not logged in"):
        review.flag(conversation_id, "x", FakeRequest())


def test_counselor_export_links_to_the_streamed_filtered_set(parts) -> None:
    services, *_ = parts
    _two_conversations(services)
    review = CounselorReview(services)
    download, _ = review.export("csv", "2026-01-01", "", "", False, True, False, "火星")
    href = unescape(re.search(r'href="([^"]+)"', download["value"]).group(1))
    assert href.startswith("/counselor/export?fmt=csv&")
    assert "negative=1" in href and "date_from=2026-01-01" in href and "abstained" not in href
    assert "text=%E7%81%AB%E6%98%9F" in href
    assert not (services.settings.cache_dir / "exports").exists()  # nothing on disk
    bad, status = review.export("csv", "2026-13-01", "", "", False, False, False, "")
    assert status.startswith("注意") and bad["visible"] is False


def test_maintainer_refresh_uploads_and_folder_with_progress(parts, tmp_path: Path) -> None:
    services, _, kb, _ = parts
    console = MaintainerConsole(services)
    upload = tmp_path / "gradio-tmp" / "new-policy.md"
    upload.parent.mkdir()
    upload.write_text("# 新政策\n内容", encoding="utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_text("甲", encoding="utf-8")
    (folder / "b.pdf").write_bytes(b"%PDF-1.4 broken")
    rows, status = console.refresh([str(upload)], str(folder), progress=None)
    copied = services.uploads_dir / "new-policy.md"
    assert copied.read_text(encoding="utf-8") == "# 新政策\n内容"
    by_name = {Path(r[0]).name: r for r in rows}
    assert by_name["new-policy.md"][1] == "indexed"
    assert by_name["b.pdf"][1:3] == ["skipped", "unsupported type"]
    assert "indexed: 2" in status and "skipped: 1" in status
    assert "not a folder" in console.refresh(None, str(tmp_path / "nope"), progress=None)[1]
    assert console.refresh(None, "", progress=None)[0] == []

    seen = []
    console.refresh([str(upload)], "", progress=lambda value, desc: seen.append((value, desc)))
    assert seen == [((1, 1), "1/1 new-policy.md")]

    text, docs, _choices = console.status()
    assert "documents**: 2" in text
    assert sorted(r[0] for r in docs) == ["doc-a", "doc-new-policy"]
    assert console.remove("doc-a") == "已删除 / removed: doc-a"
    assert console.remove("doc-a").startswith("注意")
    assert "doc-a" not in kb.docs


def test_maintainer_eval_figures(parts) -> None:
    services, *_ = parts
    console = MaintainerConsole(services)
    table, raw = console.run_eval("retrieval")
    assert raw == {"suite": "retrieval", "hit@5": 0.9}
    assert "| hit@5 | 0.9 |" in table
    nested = eval_markdown({"retrieval": {"ours": {"mrr": 0.71234}, "n": 52}})
    assert "| retrieval.ours.mrr | 0.7123 |" in nested and "| retrieval.n | 52 |" in nested
    listed = eval_markdown(
        {
            "result": [
                {
                    "suite": "safety",
                    "system": "careercoach",
                    "metrics": {"no_leak": 1.0},
                    "seconds": 9.1,
                }
            ]
        }
    )
    assert "| safety/careercoach.metrics.no_leak | 1.0 |" in listed
