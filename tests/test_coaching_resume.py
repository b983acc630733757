"""Résumé review: reading files, the offline checks, redaction, and checked model rewrites."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.chat.llm import make_chat_model
from bot.coaching.resume import read_resume, resume_from_text, review
from bot.coaching.rewrite import check_rewrite, suggest_rewrites
from bot.errors import IngestError
from bot.settings import Settings
from tests.llm_server import ScriptedLLMServer

TODAY = date(2026, 12, 1)
WEAK = """张同学
教育背景
2020.09-2024.06 某学院 物流管理 本科
实习经历
2023.07-2023.08 某仓储公司 实习生
- 负责入库登记
- 协助仓库盘点工作
技能
Excel
"""


def kinds(text: str, job: str | None = None) -> list[str]:
    return [f.kind for f in review(resume_from_text(text), job, today=TODAY)]


def test_duties_without_numbers_and_missing_sections_are_found() -> None:
    found = kinds(WEAK)
    assert found.count("duty") == 2
    assert "no_numbers" in found
    missing = [
        f.text for f in review(resume_from_text(WEAK), today=TODAY) if f.kind == "missing_section"
    ]
    assert set(missing) == {"项目经历 / Projects", "获奖/荣誉 / Awards"}


def test_a_result_with_a_number_is_not_a_duty() -> None:
    text = WEAK.replace("- 负责入库登记", "- 负责入库登记，两个月录入 1800 条，差错率降到 0.5%")
    assert kinds(text).count("duty") == 1
    assert "no_numbers" not in kinds(text)


def test_personal_data_is_found_and_never_repeated() -> None:
    text = "赵同学\n身份证：330106200102034567\n现住址：浙江省杭州市西湖区某路12号\n已婚\n" + WEAK
    findings = [f for f in review(resume_from_text(text), today=TODAY) if f.kind == "personal_data"]
    assert len(findings) == 3
    assert all("330106200102034567" not in f.text and "某路12号" not in f.text for f in findings)


def test_dates_oldest_first_and_an_unexplained_gap() -> None:
    text = """钱同学
教育背景
2014.09-2018.06 某大学 会计学 本科
工作经历
2019.09-2020.06 某公司 出纳，处理 500 笔报销
2021.03-2022.06 某公司 会计，编制 12 期报表
"""
    found = kinds(text)
    assert "date_order" in found
    assert "date_gap" in found  # 2018-06 to 2019-09, and 2020-06 to 2021-03
    assert "date_gap" not in kinds(
        text.replace("工作经历", "工作经历\n2018.07-2019.08 备考注册会计师")
    )


def test_job_description_words_the_resume_never_mentions() -> None:
    job = "任职要求：\n1. 熟悉 WMS 仓储管理系统\n2. 会用 SQL 做库存分析"
    finding = next(
        f for f in review(resume_from_text(WEAK), job, today=TODAY) if f.kind == "jd_missing"
    )
    assert "wms" in finding.text and "sql" in finding.text
    assert "excel" not in finding.text


def test_one_page_for_a_new_graduate() -> None:
    long_text = WEAK + "\n".join(
        f"- 整理第 {n} 批货物共 {n * 10} 件，并按规定完成入库与复核登记" for n in range(80)
    )
    assert "length" in kinds(long_text)
    assert "length" not in kinds(WEAK)


def test_a_docx_resume_is_read_with_the_word_reader(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for line in WEAK.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    resume = read_resume(buffer.getvalue(), "cv.docx")
    assert resume.file_type == "docx"
    assert "experience" in resume.sections and "education" in resume.sections


def test_a_pdf_resume_is_read_with_the_pdf_reader() -> None:
    pdf = Path(__file__).parent / "fixtures" / "ingest" / "notice.pdf"
    resume = read_resume(pdf.read_bytes(), "cv.pdf")
    assert resume.file_type == "pdf" and resume.pages and resume.lines


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PDF, DOCX"),
        (b"x" * (6 * 1024 * 1024), "too large"),
    ],
)
def test_bad_files_give_a_clear_error(data: bytes, reason: str) -> None:
    with pytest.raises(IngestError, match=reason):
        read_resume(data, "cv.bin")


def test_a_rewrite_that_adds_a_number_a_tool_or_new_content_is_dropped() -> None:
    resume = resume_from_text(WEAK)
    original = "负责入库登记"
    assert check_rewrite(original, "独立完成入库登记，确保准确及时", resume, []) == ""
    assert "numbers" in check_rewrite(original, "完成 500 次入库登记", resume, [])
    assert "terms" in check_rewrite(original, "用 SAP 完成入库登记", resume, [])
    assert "skills" in check_rewrite(original, "完成入库登记并做数据可视化", resume, ["数据可视化"])
    assert "content" in check_rewrite(
        original, "牵头搭建全省冷链物流调度中心并获得嘉奖", resume, []
    )


def test_model_rewrites_are_checked(tmp_path: Path) -> None:
    resume = resume_from_text(WEAK)
    findings = review(resume, today=TODAY)
    with ScriptedLLMServer() as server:
        server.enqueue(
            "1. 独立完成入库登记，确保准确及时\n2. 协助完成 3 次仓库盘点，库存差异降低 40%"
        )
        settings = Settings(
            home=tmp_path, openai_base_url=server.url, openai_api_key="k", llm_max_retries=0
        )
        rewrites = suggest_rewrites(resume, findings, make_chat_model(settings), "zh")
        prompt = server.requests[0]["messages"][-1]["content"]
    assert [r.kept for r in rewrites] == [True, False]
    assert "numbers" in rewrites[1].reason
    assert "仅作材料" in prompt and "负责入库登记" in prompt


def test_no_model_means_no_rewrites() -> None:
    resume = resume_from_text(WEAK)
    assert suggest_rewrites(resume, review(resume, today=TODAY), None, "zh") == []


def test_a_failing_endpoint_leaves_the_offline_findings(tmp_path: Path) -> None:
    from tests.llm_server import Reply

    resume = resume_from_text(WEAK)
    with ScriptedLLMServer() as server:
        server.enqueue(Reply(status=500))
        settings = Settings(
            home=tmp_path, openai_base_url=server.url, openai_api_key="k", llm_max_retries=0
        )
        llm: Any = make_chat_model(settings)
        assert suggest_rewrites(resume, review(resume, today=TODAY), llm, "zh") == []
