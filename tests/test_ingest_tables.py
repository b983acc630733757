"""Tables become rows that keep their headers, in PDF (two-level header over two pages), Word
and HTML, and a question about one region's figure is answered with that row."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.knowledge.chunking import chunk_document
from bot.knowledge.loaders import load_source
from bot.knowledge.tables import header_depth, row_lines
from bot.settings import Settings
from tests.conftest import FIXTURES
from tests.test_ingest_ocr import coach_over, make_kb

INGEST = FIXTURES / "ingest"
MB = 1_000_000
ROW_B = (
    "乙省·补贴标准 / 一次性求职补贴·1200元/人，补贴标准 / 一次性创业补贴·5000元/人，"
    "申领期限·毕业当年12月底前。"
)


def table_rows(path: Path) -> list[str]:
    doc = load_source(path, max_bytes=MB)
    return [b.text for b in doc.blocks if "·" in b.text]


def test_two_level_header_with_merged_cells_left_empty() -> None:
    grid: list[list[str | None]] = [
        ["地区", "补贴标准", None, "期限"],
        [None, "求职补贴", "创业补贴", None],
        ["甲地", "1000元", "3000元", "年底前"],
        ["乙地", "800元", "", None],  # an empty cell is skipped; None repeats the one above
    ]
    assert row_lines(grid) == [
        "甲地 · 补贴标准 / 求职补贴 · 1000元，补贴标准 / 创业补贴 · 3000元，期限 · 年底前。",
        "乙地 · 补贴标准 / 求职补贴 · 800元，期限 · 年底前。",
    ]


def test_a_single_header_row_and_a_running_number_column() -> None:
    grid: list[list[str | None]] = [
        ["序号", "项目", "标准"],
        ["1", "见习补贴", "最低工资的60%"],
        ["2", "留用奖励", "每人1000元"],
    ]
    assert header_depth([[c or "" for c in r] for r in grid]) == 1
    assert row_lines(grid) == [
        "见习补贴 · 标准 · 最低工资的60%。",
        "留用奖励 · 标准 · 每人1000元。",
    ]


def test_a_table_without_header_room_stays_plain() -> None:
    assert row_lines([["只有一行", "没有表头"]]) == ["只有一行 | 没有表头"]


def test_pdf_table_with_two_level_header_over_two_pages() -> None:
    doc = load_source(INGEST / "subsidy-table.pdf", max_bytes=MB)
    rows = [b for b in doc.blocks if "·" in b.text]
    assert len(rows) == 12  # 7 rows on page 1, 5 on page 2, the repeated header dropped
    assert rows[1].text == ROW_B
    assert {b.page for b in rows} == {1, 2}
    later = next(b for b in rows if b.text.startswith("癸省"))
    assert later.page == 2
    assert later.text.startswith("癸省·补贴标准 / 一次性求职补贴·1700元/人")
    assert not any(b.text.startswith(("地区", "补贴标准")) for b in doc.blocks)
    # the text around the table is read once, in order
    text = doc.text
    assert (
        text.index("各地补贴标准见下表") < text.index("甲省") < text.index("本通知自印发之日起施行")
    )
    assert text.count("甲省") == 1


def test_a_row_is_never_split_between_chunks() -> None:
    doc = load_source(INGEST / "subsidy-table.pdf", max_bytes=MB)
    for chunk in chunk_document(doc, chunk_tokens=120, overlap_tokens=40):
        for line in chunk.text.splitlines():
            if "·" in line:
                assert line.endswith("。") and line.split("·")[0].endswith(("省", "市")), line


def test_docx_table_with_merged_header_cells() -> None:
    rows = table_rows(INGEST / "subsidy-table.docx")
    assert len(rows) == 12 and rows[1] == ROW_B


def test_html_table_with_colspan_rowspan_and_thead(tmp_path: Path) -> None:
    page = tmp_path / "table.html"
    page.write_text(
        "<html><body><main><h1>补贴标准公示</h1><p>各地补贴标准如下，请对照申领。</p><table>"
        "<thead><tr><th rowspan='2'>地区</th><th colspan='2'>补贴标准</th>"
        "<th rowspan='2'>申领期限</th></tr><tr><th>一次性求职补贴</th><th>一次性创业补贴</th>"
        "</tr></thead><tbody><tr><td>甲省</td><td>1500元/人</td><td>3000元/人</td>"
        "<td>毕业学年内</td></tr><tr><td>乙省</td><td>1200元/人</td><td>5000元/人</td>"
        "<td>毕业当年12月底前</td></tr></tbody></table></main></body></html>",
        encoding="utf-8",
    )
    rows = table_rows(page)
    assert rows[1] == ROW_B and len(rows) == 2


def test_a_region_question_is_answered_with_its_row(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    shutil.copy(INGEST / "subsidy-table.pdf", folder / "notice.pdf")
    kb = make_kb(settings)
    kb.refresh([folder])
    answer = coach_over(kb).answer("乙省的一次性求职补贴是多少？")
    assert not answer.abstained, answer.answer
    assert ROW_B.rstrip("。") in answer.answer
    for other in ("1500元/人", "1000元/人", "1800元/人"):  # other regions' figures
        assert other not in answer.answer
