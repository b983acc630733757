"""The coaching tabs in a real browser: take the questionnaire, see the chart and a matched
occupation, paste a résumé and get findings, answer two interview questions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RESUME = Path(__file__).resolve().parents[1] / "fixtures" / "coaching" / "resume-weak.txt"
TIMEOUT_MS = 60_000


def test_questionnaire_resume_and_interview(
    browser: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("tab", name="测评").click()
    expect(page.locator("#assess-progress")).to_contain_text("已答 0/48", timeout=TIMEOUT_MS)
    items = page.locator(".assess-item")
    count = items.count()
    assert count == 48
    for n in range(count):
        item = items.nth(n)
        # investigative and social items liked most, the rest in between
        choice = "很喜欢" if n % 6 in (1, 3) else "说不准"
        item.locator("label").filter(has_text=choice).first.click()
        if n == 23:  # half-way: a reload resumes where it stopped
            expect(page.locator("#assess-progress")).to_contain_text(
                "已答 24/48", timeout=TIMEOUT_MS
            )
            page.reload()
            page.get_by_role("tab", name="测评").click()
            expect(page.locator("#assess-progress")).to_contain_text(
                "已答 24/48", timeout=TIMEOUT_MS
            )
            items = page.locator(".assess-item")
    expect(page.locator("#assess-progress")).to_contain_text("已答 48/48", timeout=TIMEOUT_MS)
    page.locator("#assess-major textarea").fill("心理学")
    page.locator("#assess-finish").click()
    expect(page.locator("#assess-meaning")).to_contain_text("IS", timeout=TIMEOUT_MS)
    expect(page.locator("#assess-meaning")).to_contain_text("兴趣不等于能力")
    expect(page.locator("#assess-chart svg")).to_be_visible()
    expect(page.locator("#assess-matches")).to_contain_text("心理", timeout=TIMEOUT_MS)
    page.screenshot(path=str(tmp_path / "assessment.png"), full_page=False)

    page.get_by_role("tab", name="简历").click()
    page.locator("#resume-text textarea").fill(RESUME.read_text(encoding="utf-8"))
    page.locator("#resume-review").click()
    findings = page.locator("#resume-findings")
    expect(findings).to_contain_text("personal_data", timeout=TIMEOUT_MS)
    expect(findings).to_contain_text("duty")
    expect(findings).not_to_contain_text("620102199901011234")
    # the same résumé as a Word file, chosen in the tab's own file picker
    import docx

    document = docx.Document()
    for line in RESUME.read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    document.save(str(tmp_path / "简历.docx"))
    page.locator("#resume-file").set_input_files(str(tmp_path / "简历.docx"))
    page.locator("#resume-file-review").click()
    from_file = page.locator("#resume-file-findings")
    expect(from_file).to_contain_text("personal_data", timeout=TIMEOUT_MS)
    expect(from_file).to_contain_text("duty")
    expect(from_file).not_to_contain_text("620102199901011234")

    page.get_by_role("tab", name="面试").click()
    page.locator("#iv-format label").filter(has_text="校招行为面试").click()
    page.locator("#iv-start").click()
    expect(page.locator("#iv-question")).to_contain_text("1/", timeout=TIMEOUT_MS)
    page.locator("#iv-answer textarea").fill("我觉得自己很努力。")
    page.locator("#iv-submit").click()
    expect(page.locator("#iv-feedback")).to_contain_text("笼统", timeout=TIMEOUT_MS)
    page.locator("#iv-next").click()
    expect(page.locator("#iv-question")).to_contain_text("2/", timeout=TIMEOUT_MS)
    page.locator("#iv-answer textarea").fill(
        "去年我在学院的迎新项目里，和三位同学对活动方案有分歧。"
        "我先听取大家的理由，然后用上一届 200 份问卷的数据"
        "做了对比，最终大家同意采用线上报名，结果报名人数提升了 30%，我们的合作也更顺畅了。"
    )
    page.locator("#iv-submit").click()
    expect(page.locator("#iv-summary")).to_contain_text("回答了 2 题", timeout=TIMEOUT_MS)
    context.close()
