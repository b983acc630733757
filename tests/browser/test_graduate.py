"""The graduate's page in a real browser: conversations (open, rename, delete), sources with the
cited sentences highlighted and a link to the original, a drawer on a phone, feedback at each
answer kept after a reload, the language kept, the plan form's pickers, and axe-core at zero
serious issues; against a model endpoint that streams slowly: stop keeps what was typed and
stores nothing, regenerate replaces the answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, expect, serious_violations, serving
from tests.llm_server import Reply, ScriptedLLMServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANSWER_TIMEOUT_MS = 180_000
FIRST = "低保家庭的毕业生能申请哪种求职补贴？"
SECOND = "就业见习期间有什么待遇？"


def ask(page: Any, question: str) -> None:
    answers = page.locator(".cc-bot[data-turn]:not([data-turn='pending'])")
    before = answers.count()
    page.locator("#cc-input").fill(question)
    page.locator("#cc-input").press("Enter")
    expect()(answers).to_have_count(before + 1, timeout=ANSWER_TIMEOUT_MS)


def test_conversations_sources_feedback_language_and_accessibility(
    browser: Any, live_server: LiveServer, shots: Path
) -> None:
    check = expect()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live_server.url + "/")
    check(page.locator("h1")).to_have_text("毕业生就业政策助手")
    check(page.locator(".cc-empty")).to_be_visible(timeout=30_000)
    assert serious_violations(page) == []

    ask(page, FIRST)
    answer = page.locator(".cc-bot").last
    check(answer).to_contain_text("一次性求职补贴")
    answer.locator(".cc-cite").first.click()
    passage = page.locator(".cc-side .cc-passage")
    check(passage).to_contain_text("一次性求职补贴简明说明（测试用）")
    check(passage.locator("mark")).to_have_count(1)
    check(passage.locator("mark")).to_contain_text("可以申请一次性求职补贴")
    link = passage.locator("a.cc-original")
    assert (link.get_attribute("href") or "").startswith("/documents/")
    with context.expect_page() as opened:
        link.click()  # the original document, the cited passage marked in its section
    original = opened.value
    check(original.locator("mark#passage")).to_contain_text(
        "可以申请一次性求职补贴", timeout=30_000
    )
    original.close()
    answer.locator(".cc-thumb").nth(1).click()  # 👎
    check(answer.locator(".cc-status")).to_contain_text("已记录")
    answer.locator(".cc-comment textarea").fill("希望写明补贴金额")
    answer.locator(".cc-comment button").click()
    check(answer.locator(".cc-status")).to_contain_text("意见已提交")
    page.screenshot(path=str(shots / "graduate-chat.png"), full_page=True)

    page.locator("#cc-new").click()
    check(page.locator(".cc-empty")).to_be_visible()
    ask(page, SECOND)
    check(page.locator(".cc-convs li")).to_have_count(2)
    assert serious_violations(page) == []

    page.reload()  # the most recent conversation comes back, and the list with it
    check(page.locator(".cc-user")).to_have_text([SECOND], timeout=30_000)
    page.locator(".cc-conv-open").filter(has_text=FIRST).click()
    check(page.locator(".cc-user")).to_have_text([FIRST])
    first = page.locator(".cc-bot").last
    check(first.locator(".cc-thumb[aria-pressed='true']")).to_have_text("👎 没帮助")
    check(first.locator(".cc-comment textarea")).to_have_value("希望写明补贴金额")

    stranger = browser.new_context().new_page()  # another browser sees none of it
    stranger.goto(live_server.url + "/")
    check(stranger.locator(".cc-empty")).to_be_visible(timeout=30_000)
    check(stranger.locator(".cc-convs li")).to_have_count(0)
    stranger.context.close()

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, storage_state=context.storage_state()
    )
    small = phone.new_page()
    small.goto(live_server.url + "/")
    check(small.locator(".cc-bot").last).to_be_visible(timeout=30_000)
    small.locator(".cc-bot").last.locator(".cc-cite").first.click()
    drawer = small.locator(".cc-bot").last.locator(".cc-drawer")
    check(drawer).to_be_visible()
    check(drawer.locator("mark").first).to_be_visible()
    check(small.locator(".cc-side")).to_be_hidden()
    box = small.locator(".cc-bot .cc-thumb").first.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    small.screenshot(path=str(shots / "graduate-phone.png"), full_page=False)
    assert serious_violations(small) == []
    phone.close()

    mine = page.locator(".cc-convs li").filter(has_text=FIRST)
    mine.locator(".cc-conv-tools button").filter(has_text="删除").click()  # confirmed
    check(page.locator(".cc-convs li")).to_have_count(1)
    page.reload()
    check(page.locator(".cc-convs li")).to_have_count(1, timeout=30_000)
    check(page.locator(".cc-convs")).not_to_contain_text(FIRST)

    page.locator("#lang label").filter(has_text="English").click()
    check(page.locator("#cc-send")).to_have_text("Send")
    page.reload()
    check(page.locator("#cc-send")).to_have_text("Send", timeout=30_000)
    check(page.locator("#notice")).to_contain_text("latest official notices prevail")
    page.locator("#lang label").filter(has_text="中文").click()
    check(page.locator("#cc-send")).to_have_text("发送")
    context.close()

    dark = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    night = dark.new_page()
    night.goto(live_server.url + "/?__theme=dark")
    check(night.locator("#notice")).to_contain_text("12333", timeout=30_000)
    assert serious_violations(night) == []  # the disclaimer keeps its contrast
    dark.close()


def test_the_plan_form_uses_pickers_and_offers_a_download(
    browser: Any, live_server: LiveServer, shots: Path
) -> None:
    check = expect()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("tab", name="职业规划").click()
    year = page.locator("#graduation-year input")
    check(year).to_have_value("")  # no year 0 any more
    year.click()
    page.get_by_role("option", name="2026").click()
    page.locator("#home-province input").click()
    page.get_by_role("option", name="甘肃").click()
    page.locator("#circumstances label").filter(has_text="低保家庭").first.click()
    page.locator("#make-plan").click()
    check(page.locator("#plan")).to_contain_text("一次性求职补贴", timeout=ANSWER_TIMEOUT_MS)
    check(page.locator("#plan")).to_contain_text("甘肃")
    with page.expect_download() as download:
        page.locator("#download-plan a").click()  # a link to /plans/…, never a Gradio file
    plan = Path(download.value.path()).read_text(encoding="utf-8")
    assert plan.startswith("#") and "一次性求职补贴" in plan
    page.screenshot(path=str(shots / "graduate-plan.png"), full_page=False)
    page.context.close()


@pytest.fixture(scope="module")
def slow_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Any]]:
    """A server whose answers come from a scripted endpoint that streams slowly."""
    with ScriptedLLMServer() as model:
        env = {"OPENAI_BASE_URL": model.url, "OPENAI_API_KEY": "test-key",
               "CAREERCOACH_LLM_MAX_RETRIES": "0"}  # fmt: skip
        with serving(tmp_path_factory.mktemp("llm") / "home", env) as server:
            yield server, model


SUPPORTED = "毕业年度内有求职意愿的低保家庭高校毕业生，可以申请一次性求职补贴[1]。"


def test_stop_keeps_the_typed_text_and_stores_nothing_then_regenerate(
    browser: Any, slow_model: tuple[LiveServer, Any]
) -> None:
    server, model = slow_model
    check = expect()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(server.url + "/")
    check(page.locator(".cc-empty")).to_be_visible(timeout=60_000)
    model.enqueue(Reply(text=SUPPORTED * 8, chunk_delay=0.4))  # about 40 seconds of text
    page.locator("#cc-input").fill(FIRST)
    page.locator("#cc-send").click()
    pending = page.locator(".cc-bot[data-turn='pending']")
    check(pending).to_contain_text("毕业年度", timeout=ANSWER_TIMEOUT_MS)
    check(page.locator("#cc-send")).to_be_disabled()
    page.locator("#cc-input").fill("下一个想问的")  # typed while the answer streams
    page.locator("#cc-stop").click()
    check(pending).to_contain_text("已停止")
    check(page.locator("#cc-input")).to_have_value("下一个想问的")
    check(page.locator("#cc-send")).to_be_enabled()
    page.reload()  # the stopped exchange was never stored
    check(page.locator(".cc-empty")).to_be_visible(timeout=60_000)

    model.enqueue(Reply(text=SUPPORTED), Reply(text=SUPPORTED, delay=2.0))
    page.locator("#cc-input").fill(FIRST)
    page.locator("#cc-send").click()
    done = page.locator(".cc-bot[data-turn]:not([data-turn='pending'])")
    check(done).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    asked = len(model.requests)
    page.locator("#cc-regenerate").click()
    check(page.locator("#cc-send")).to_be_disabled()  # the model takes two seconds to answer
    check(page.locator("#cc-send")).to_be_enabled(timeout=ANSWER_TIMEOUT_MS)
    check(done).to_have_count(1)  # the answer was replaced, not added
    check(page.locator(".cc-user")).to_have_text([FIRST])
    assert len(model.requests) > asked  # the model was asked again
    page.context.close()
