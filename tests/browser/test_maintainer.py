"""The maintainer console in a real browser: an upload answered to a graduate, removal confirmed
by title and undone, test a question, the knowledge-gap list with its status, and an evaluation
that finishes after its tab was closed; axe-core at zero serious issues."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import pytest

from bot.chat.models import Answer
from bot.settings import Settings
from bot.store import Store
from tests.browser.conftest import (
    FIXTURES,
    LiveServer,
    expect,
    login,
    refresh_index,
    serious_violations,
    upload_file,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANSWER_TIMEOUT_MS = 180_000
EVAL_TIMEOUT_MS = 300_000
UPLOAD = FIXTURES / "upload" / "xinghuo-program.md"


def test_upload_remove_with_undo_and_test_a_question(
    browser: Any, live_server: LiveServer, shots: Path
) -> None:
    check = expect()
    page = login(browser, live_server, "wang", "/maintainer/")
    check(page.locator("#kb-status")).to_contain_text("documents", timeout=30_000)
    assert serious_violations(page) == []
    upload_file(page, UPLOAD)
    refresh_index(page, ANSWER_TIMEOUT_MS)
    report = page.locator("#report")
    check(report).to_contain_text("indexed")
    check(report).to_contain_text("星火返乡实践计划")  # the title, not only a server path
    documents = page.locator("#documents")
    check(documents).to_contain_text("星火返乡实践计划")
    check(documents).to_contain_text("有效 valid")
    page.screenshot(path=str(shots / "maintainer-console.png"), full_page=True)

    page.locator("#doc-pick input").click()
    page.get_by_role("option", name=re.compile("星火返乡实践计划")).click()
    check(page.locator("#chunk-preview textarea")).to_have_value(re.compile("返乡"))
    page.locator("#remove").click()
    check(page.locator("#remove-status")).to_contain_text("确定从知识库删除《星火返乡实践计划")
    page.locator("#confirm-remove").click()
    check(page.locator("#remove-status")).to_contain_text(
        "已删除《星火返乡实践计划", timeout=60_000
    )
    check(documents).not_to_contain_text("星火返乡实践计划", timeout=30_000)
    page.locator("#undo-remove").click()
    check(page.locator("#remove-status")).to_contain_text("已恢复", timeout=ANSWER_TIMEOUT_MS)
    check(documents).to_contain_text("星火返乡实践计划", timeout=30_000)

    page.get_by_role("tab", name="测试问题 / Test a question").click()
    page.locator("#test-question textarea, #test-question input").first.fill(
        "星火返乡实践计划怎么报名"
    )
    page.locator("#test-run").click()
    hits = page.locator("#test-hits")
    check(hits).to_contain_text("星火返乡实践计划", timeout=60_000)
    check(page.locator("#test-why")).to_contain_text("dense cosine")
    page.context.close()

    graduate = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    graduate.goto(live_server.url + "/")
    graduate.locator("#cc-input").fill("星火返乡实践计划的报名条件是什么？")
    graduate.locator("#cc-send").click()
    answer = graduate.locator(".cc-bot[data-turn]:not([data-turn='pending'])").last
    check(answer).to_contain_text("返乡意向书", timeout=ANSWER_TIMEOUT_MS)
    graduate.context.close()


def test_knowledge_gaps_from_unanswered_questions(browser: Any, live_server: LiveServer) -> None:
    check = expect()
    asked = ["火星基地的实习补贴怎么领？", "火星基地实习补贴怎么领", "火星基地的实习补贴怎么领"]
    with Store(Settings(home=live_server.home)) as store:
        for question in asked:
            session = store.ensure_session(secrets.token_urlsafe(18))
            store.add_exchange(session, question, Answer(answer="知识库没有", abstained=True), 5)
    page = login(browser, live_server, "wang", "/maintainer/")
    page.get_by_role("tab", name="知识缺口 / Knowledge gaps").click()
    page.locator("#gap-regroup").click()
    gaps = page.locator("#gap-list")
    row = gaps.locator("tr").filter(has_text="火星基地")
    check(row).to_have_count(1, timeout=120_000)
    check(row).to_contain_text("3 位毕业生")
    gap_id = re.sub(r"\D", "", row.locator("td").first.text_content() or "")
    page.locator("#gap-id input").fill(gap_id)
    page.locator("#gap-id input").press("Tab")
    page.locator("#gap-new-status label").filter(has_text="不予覆盖").click()
    page.locator("#gap-note textarea, #gap-note input").first.fill("不在本校服务范围")
    page.locator("#gap-save").click()
    check(page.locator("#gap-status")).to_contain_text(f"#{gap_id}", timeout=30_000)
    check(gaps).not_to_contain_text("火星基地")  # the list shows open gaps
    page.locator("#gap-filter input").click()
    page.get_by_role("option", name="全部 / all").click()
    check(gaps.locator("tr").filter(has_text="火星基地")).to_contain_text("不予覆盖")
    assert serious_violations(page) == []
    page.context.close()


def test_an_evaluation_finishes_after_its_tab_is_closed(
    browser: Any, live_server: LiveServer, shots: Path
) -> None:
    check = expect()
    page = login(browser, live_server, "wang", "/maintainer/")
    page.get_by_role("tab", name="评测 / Evaluation").click()
    page.locator("#suite input").click()
    page.get_by_role("option", name="redaction", exact=True).click()
    page.locator("#run-eval").click()
    started = page.locator("#eval-started")
    check(started).to_contain_text("后台", timeout=30_000)
    job = re.search(r"#(\d+)", started.inner_text())
    assert job is not None
    state = page.context.storage_state()
    page.context.close()  # nobody watches the run

    again = browser.new_context(viewport={"width": 1280, "height": 900}, storage_state=state)
    later = again.new_page()
    later.goto(live_server.url + "/maintainer/")
    later.get_by_role("tab", name="评测 / Evaluation").click()
    row = later.locator("#eval-jobs tr").filter(
        has=later.locator("td", has_text=re.compile(f"^{job[1]}$"))
    )
    check(row).to_contain_text("done", timeout=EVAL_TIMEOUT_MS)  # the timer reads the store
    check(row).to_contain_text("通过 passed")
    later.locator("#eval-job-id input").fill(job[1])
    later.locator("#eval-job-id input").press("Tab")
    later.locator("#eval-show").click()
    figures = later.locator("#eval-figures")
    check(figures).to_contain_text("redaction", timeout=30_000)
    check(figures).to_contain_text("failed cases")
    assert serious_violations(later) == []
    later.screenshot(path=str(shots / "maintainer-evaluation.png"), full_page=True)
    again.close()
