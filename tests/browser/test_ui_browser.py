"""The three pages in a real browser against a real ``careercoach serve`` (offline mode).

One story, in order: a graduate asks, sees a cited answer, opens the source and rates it; a
counselor logs in, finds that conversation by filter, annotates and exports it; a maintainer
uploads a document and a graduate's question is then answered from it. Screenshots go to a
temporary folder, or to ``$UI_SCREENSHOTS_DIR`` (``docs/screenshots`` when refreshing the ones
in the repository).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import FIXTURES, PASSWORD, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = "低保家庭毕业生可以申请什么补贴？"
COMMENT = "希望写明补贴金额"
UPLOAD = FIXTURES / "upload" / "xinghuo-program.md"
ANSWER_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("UI_SCREENSHOTS_DIR")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def ask(page: Any, question: str) -> None:
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    _expect()(page.locator("#chatbot")).to_contain_text("来源", timeout=ANSWER_TIMEOUT_MS)


def login(browser: Any, server: LiveServer, name: str, page_path: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url + page_path)
    page.wait_for_selector("#username")
    assert "/login?next=" in page.url
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"**{page_path}")
    return page


def test_graduate_asks_sees_a_cited_answer_and_rates_it(
    browser: Any, live_server: LiveServer, shots: Path
) -> None:
    expect = _expect()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/")
    expect(page.locator("#notice")).to_contain_text("12333")
    page.locator("#lang label").filter(has_text="English").click()
    expect(page.locator("#notice")).to_contain_text("latest official notices prevail")
    expect(page.locator("#send")).to_have_text("Send")
    page.locator("#lang label").filter(has_text="中文").click()
    expect(page.locator("#send")).to_have_text("发送")
    ask(page, QUESTION)
    answer = page.locator("#chatbot .bot.message").last
    expect(answer).to_contain_text("[1]")
    expect(answer).to_contain_text("一次性求职补贴简明说明（测试用）")

    page.locator("#sources label").first.click()
    passage = page.locator("#passage")
    expect(passage).to_contain_text("一次性求职补贴简明说明（测试用）")
    expect(passage).to_contain_text("2026-11-01")

    page.locator("#chatbot [aria-label='Dislike']").last.click()
    expect(page.locator("#feedback-status")).to_contain_text("谢谢")
    page.locator("#comment textarea").fill(COMMENT)
    page.locator("#send-comment").click()
    expect(page.locator("#comment textarea")).to_have_value("")
    page.screenshot(path=str(shots / "graduate-chat.png"), full_page=True)

    page.reload()  # the conversation comes back from the store for this browser's session
    expect(page.locator("#chatbot")).to_contain_text(QUESTION, timeout=30_000)
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, storage_state=context.storage_state()
    )
    small = phone.new_page()
    small.goto(live_server.url + "/")
    expect(small.locator("#chatbot")).to_contain_text(QUESTION, timeout=30_000)
    small.screenshot(path=str(shots / "graduate-phone.png"), full_page=False)

    stranger = browser.new_context().new_page()  # another browser sees nothing of it
    stranger.goto(live_server.url + "/")
    expect(stranger.locator("#question textarea")).to_be_visible(timeout=30_000)
    stranger.wait_for_timeout(1500)
    expect(stranger.locator("#chatbot")).not_to_contain_text(QUESTION)
    for each in (context, phone, stranger.context):
        each.close()


def test_graduate_fills_the_profile_form_and_downloads_a_plan(
    browser: Any, live_server: LiveServer, shots: Path
) -> None:
    expect = _expect()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("tab", name="职业规划").click()
    page.locator("#graduation-year input").fill("2026")
    page.locator("#circumstances label").filter(has_text="低保家庭").first.click()
    page.locator("#make-plan").click()
    expect(page.locator("#plan")).to_contain_text("一次性求职补贴", timeout=ANSWER_TIMEOUT_MS)
    button = page.locator("#download-plan a")
    expect(button).to_be_visible()
    with page.expect_download() as download:
        button.click()
    plan = Path(download.value.path()).read_text(encoding="utf-8")
    assert plan.startswith("#") and "一次性求职补贴" in plan
    page.evaluate("document.querySelector('#plan').scrollIntoView({block: 'start'})")
    page.screenshot(path=str(shots / "graduate-plan.png"), full_page=False)
    page.context.close()


def test_counselor_finds_annotates_and_exports(
    browser: Any, live_server: LiveServer, shots: Path
) -> None:
    expect = _expect()
    page = login(browser, live_server, "li", "/counselor/")
    page.locator("#negative input").check()
    page.locator("#text-filter textarea, #text-filter input").first.fill("低保")
    page.locator("#search").click()
    table = page.locator("#transcripts")
    expect(table).to_contain_text(QUESTION[:8], timeout=30_000)
    expect(page.locator("#list-status")).to_contain_text("1 conversation")

    page.locator("#transcripts [data-testid^='cell-']").filter(has_text=QUESTION[:8]).first.click()
    view = page.locator("#conversation")
    expect(view).to_contain_text(QUESTION, timeout=30_000)
    expect(view).to_contain_text("offline")
    expect(view).to_contain_text(COMMENT)  # the graduate's 👎 comment

    page.locator("#correct label").filter(has_text="yes").click()
    page.locator("#citations-ok label").filter(has_text="yes").click()
    page.locator("#tone-ok label").filter(has_text="no").click()
    page.locator("#note textarea").fill("金额应提示以本省文件为准")
    page.locator("#save").click()
    expect(page.locator("#action-status")).to_contain_text("annotation saved")
    expect(view).to_contain_text("Annotation by li")

    page.locator("#export").click()
    button = page.locator("#export-file a")
    expect(button).to_be_visible(timeout=30_000)
    with page.expect_download() as download:
        button.click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert any(QUESTION in " ".join(map(str, row.values())) for row in rows), text[:500]
    page.screenshot(path=str(shots / "counselor-review.png"), full_page=True)

    refused = page.goto(live_server.url + "/maintainer/")
    assert refused is not None and refused.status == 403
    page.context.close()


def test_maintainer_uploads_and_the_graduate_is_answered_from_it(
    browser: Any, live_server: LiveServer, shots: Path
) -> None:
    expect = _expect()
    page = login(browser, live_server, "wang", "/maintainer/")
    expect(page.locator("#kb-status")).to_contain_text("documents", timeout=30_000)
    page.locator("#upload input[type=file]").set_input_files(str(UPLOAD))
    expect(page.locator("#upload")).to_contain_text(UPLOAD.name, timeout=30_000)
    page.locator("#refresh").click()
    expect(page.locator("#refresh-status")).to_contain_text(
        "refresh done", timeout=ANSWER_TIMEOUT_MS
    )
    expect(page.locator("#report")).to_contain_text("indexed")
    expect(page.locator("#documents")).to_contain_text("星火返乡实践计划")
    page.screenshot(path=str(shots / "maintainer-console.png"), full_page=True)
    page.context.close()

    graduate = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    graduate.goto(live_server.url + "/")
    ask(graduate, "星火返乡实践计划的报名条件是什么？")
    answer = graduate.locator("#chatbot .bot.message").last
    expect(answer).to_contain_text("星火返乡实践计划（测试用虚构文件）")
    expect(answer).to_contain_text("返乡意向书")
    graduate.context.close()
