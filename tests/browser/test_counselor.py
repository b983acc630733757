"""The counselor's desk in a real browser: 50 conversations reviewed from the keyboard (actions
counted per conversation), the dashboard, the export, and a verified answer served to a
graduate and withdrawn when its document changes; axe-core at zero serious issues."""

from __future__ import annotations

import csv
import io
import re
import secrets
from pathlib import Path
from typing import Any

import pytest

from bot.chat.models import Answer, Citation
from bot.settings import Settings
from bot.store import Store, TranscriptFilter
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
MARKER = "批次甲"  # every seeded question carries it, so the queue can be filtered to them


PROGRAMME = "星火返乡研习计划"  # the verified-answer test's own copy of the upload fixture


def seed(home: Path, count: int) -> list[int]:
    """``count`` conversations (one a graduate), written to the server's own database."""
    cite = Citation(n=1, title="一次性求职补贴简明说明（测试用）", section="谁可以申请",
                    text="毕业年度内有求职意愿的高校毕业生……可以申请一次性求职补贴。")  # fmt: skip
    ids = []
    with Store(Settings(home=home)) as store:
        for n in range(count):
            session = store.ensure_session(secrets.token_urlsafe(18))
            reply = Answer(answer=f"可以申请一次性求职补贴[1]。（第{n}条）", citations=[cite])
            store.add_exchange(session, f"{MARKER}第{n}个问题：补贴怎么领？", reply, 900 + n)
            ids.append(store.conversation_for_session(session).id)
    return ids


def test_fifty_conversations_reviewed_with_fewer_than_three_actions_each(
    browser: Any, live_server: LiveServer, shots: Path
) -> None:
    check = expect()
    seeded = set(seed(live_server.home, 50))
    page = login(browser, live_server, "li", "/counselor/")
    check(page.locator("#rv-distress")).to_be_visible(timeout=30_000)
    assert serious_violations(page) == []
    page.locator("#rv-text").fill(MARKER)
    page.locator("#rv-search").click()
    check(page.locator("#rv-counts")).to_contain_text("未审阅 / unreviewed: 50")
    check(page.locator("#rv-range")).to_have_text("1–50 / 50")
    # the filtered queue's first transcript is drawn (the page's first load came before it)
    idle = page.locator('#review[aria-busy="false"]')
    check(idle).to_have_count(1, timeout=30_000)
    page.screenshot(path=str(shots / "counselor-review.png"), full_page=True)

    actions: dict[int, int] = {}
    flagged_by_rubric = []
    for n in range(50):
        title = page.locator("#rv-title")
        check(title).to_contain_text("#", timeout=30_000)
        current = int(title.inner_text().rsplit("#", 1)[1])
        count = 0
        if n % 10 == 0:  # one in ten has a wrong citation: key 2 marks it on the turn
            page.keyboard.press("2")
            count += 1
            flagged_by_rubric.append(current)
        page.keyboard.press("r")  # save, mark reviewed, open the next one
        count += 1
        actions[current] = count
        if n < 49:
            check(title).not_to_have_text(f"对话 / conversation #{current}", timeout=30_000)
            check(idle).to_have_count(1, timeout=30_000)
    check(page.locator("#rv-counts")).to_contain_text("未审阅 / unreviewed: 0", timeout=30_000)
    assert set(actions) == seeded
    per = list(actions.values())
    print(f"counselor actions per conversation: mean {sum(per) / len(per):.2f}, max {max(per)}")
    assert max(per) < 3

    with Store(Settings(home=live_server.home)) as store:
        reviewed = store.list_conversations(TranscriptFilter(text=MARKER, limit=None))
        assert {s.id for s in reviewed if s.reviewed_by == "li"} == seeded
        for conversation_id in flagged_by_rubric:
            note = store.get_conversation(conversation_id).turns[0].annotations[0]
            assert (note.by_user, note.citations_ok, note.correct) == ("li", False, None)

    fields = page.locator("#rv-unreviewed")
    fields.uncheck()
    page.locator("#rv-search").click()
    check(page.locator("#rv-reviewed")).to_contain_text("reviewed by li")
    page.keyboard.press("j")
    check(page.locator(".rv-current")).to_contain_text("✓ li")
    page.context.close()


def test_dashboard_and_export(browser: Any, live_server: LiveServer, shots: Path) -> None:
    check = expect()
    seed(live_server.home, 3)
    page = login(browser, live_server, "li", "/counselor/")
    page.get_by_role("tab", name="仪表盘 / Dashboard").click()
    totals = page.locator("#dashboard-totals")
    check(totals).to_contain_text("conversations", timeout=60_000)
    check(totals).to_contain_text("北京时间")
    check(page.locator("#dashboard-charts img")).to_have_count(4)
    check(page.locator("#dashboard-intents")).to_contain_text("policy")
    page.locator("#period label").filter(has_text="8 weeks").click()
    check(totals).to_contain_text("by week", timeout=60_000)
    assert serious_violations(page) == []
    page.screenshot(path=str(shots / "counselor-dashboard.png"), full_page=True)

    page.get_by_role("tab", name="导出 / Export").click()
    page.locator("#ex-text input, #ex-text textarea").first.fill(MARKER)
    page.locator("#export").click()
    button = page.locator("#export-file a")  # the export route, not a Gradio file
    check(button).to_be_visible(timeout=30_000)
    with page.expect_download() as download:
        button.click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert rows and all(MARKER in row["question"] for row in rows)
    page.context.close()


def ask(page: Any, question: str) -> Any:
    answers = page.locator(".cc-bot[data-turn]:not([data-turn='pending'])")
    before = answers.count()
    page.locator("#cc-input").fill(question)
    page.locator("#cc-send").click()
    expect()(answers).to_have_count(before + 1, timeout=ANSWER_TIMEOUT_MS)
    return answers.last


def upload(page: Any, path: Path) -> None:
    upload_file(page, path)
    status = refresh_index(page, ANSWER_TIMEOUT_MS)
    assert "indexed" in status  # the new or changed file was read


def test_a_verified_answer_is_served_then_withdrawn_when_its_document_changes(
    browser: Any, live_server: LiveServer, tmp_path: Path, shots: Path
) -> None:
    check = expect()
    # the maintainer's upload test shares this server and picks and removes the fixture's
    # programme by its name: this copy names a programme of its own
    fixture = (FIXTURES / "upload" / "xinghuo-program.md").read_text(encoding="utf-8")
    source = fixture.replace("星火返乡实践计划", PROGRAMME)
    assert PROGRAMME in source
    document = tmp_path / "xinghuo-verified.md"
    document.write_text(source, encoding="utf-8")
    maintainer = login(browser, live_server, "wang", "/maintainer/")
    check(maintainer.locator("#kb-status")).to_contain_text("documents", timeout=30_000)
    upload(maintainer, document)
    check(maintainer.locator("#documents")).to_contain_text(PROGRAMME)

    question = f"{PROGRAMME}的报名条件有哪些？"
    counselor = login(browser, live_server, "li", "/counselor/")
    counselor.get_by_role("tab", name="审核回答 / Verified answers").click()
    counselor.locator("#verified-questions textarea").fill(question)
    counselor.locator("#verified-answer textarea").fill("需要提交返乡意向书[1]，由学校统一报名。")
    counselor.locator("#verified-search textarea, #verified-search input").first.fill(
        f"{PROGRAMME} 报名条件"
    )
    counselor.locator("#verified-find").click()
    choice = counselor.locator("#verified-chunks label").filter(has_text=PROGRAMME)
    check(choice.first).to_be_visible(timeout=60_000)
    choice.first.click()
    counselor.locator("#verified-publish").click()
    check(counselor.locator("#verified-status")).to_contain_text("published", timeout=30_000)
    check(counselor.locator("#verified-list")).to_contain_text("在用 active")
    assert serious_violations(counselor) == []
    counselor.screenshot(path=str(shots / "counselor-verified.png"), full_page=True)

    graduate = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    graduate.goto(live_server.url + "/")
    check(graduate.locator("#cc-input")).to_be_visible(timeout=30_000)
    served = ask(graduate, question)
    check(served.locator(".cc-verified")).to_contain_text("经辅导员审核")
    check(served).to_contain_text("需要提交返乡意向书")

    document.write_text(source + "\n\n## 补充说明\n\n报名时间另行通知。\n", encoding="utf-8")
    upload(maintainer, document)  # the same file, changed: the answer citing it is withdrawn
    counselor.reload()
    counselor.get_by_role("tab", name="审核回答 / Verified answers").click()
    check(counselor.locator("#verified-list")).to_contain_text("已撤下 withdrawn", timeout=30_000)
    check(counselor.locator("#verified-notice textarea")).to_have_value(re.compile("已修改或删除"))
    again = ask(graduate, question)
    check(again.locator(".cc-verified")).to_have_count(0)
    check(again).to_contain_text("返乡意向书")  # answered from the document itself now
    for each in (maintainer, counselor, graduate):
        each.context.close()
