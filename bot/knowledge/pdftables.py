"""Ruled tables in PDF pages, read with pdfplumber, as rows that keep their headers.

Only pages the PDF reader marked as drawing enough lines are opened here (pdfplumber parses a
page in tens of milliseconds, too slow to run on every page of a long report). On a page with
tables, the text outside them comes from pdfplumber too, line by line, so a cell's text is never
read twice; the page's lines and its tables are put back in their vertical order.

A table that continues on the next page is joined to the one it continues: the last table of a
page that reaches its lower part, and the first table of the next page, starting in its upper
part with the same number of columns. A header the continuation repeats is dropped; the rows
keep the page they are printed on. ``tables`` writes the rows. What it leaves out: tables
without ruling lines (their text is read as ordinary lines) and tables in scanned pages.
"""

from __future__ import annotations

import io
import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.limits import check_time
from bot.knowledge.normalize import Line
from bot.knowledge.tables import Grid, indexed_row_lines

log = logging.getLogger(__name__)
# pdfminer warns about every font it cannot measure; the text comes out all the same
logging.getLogger("pdfminer").setLevel(logging.ERROR)

_LOWER_PART = 0.55  # a table ending below this share of the page height may go on
_UPPER_PART = 0.35  # a table starting above this share of the next page may be its rest


@dataclass
class _Table:
    page: int  # 0-based
    top: float
    bottom: float
    grid: Grid
    row_pages: list[int] = field(default_factory=list)


@dataclass
class _Page:
    index: int
    height: float
    items: list[tuple[float, Line | _Table]] = field(default_factory=list)


def read_table_pages(data: bytes, indices: list[int], where: str) -> dict[int, list[Line]]:
    """New lines for each page of ``indices`` that holds a table (others are left out)."""
    import pdfplumber

    pages: list[_Page] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for index in indices:
                check_time()
                found = _read_page(pdf.pages[index], index)
                if found is not None:
                    pages.append(found)
    except Exception as exc:  # pdfminer raises many types on odd files: keep the plain text
        log.warning("%s: tables not read (%s: %s)", where, type(exc).__name__, exc)
        return {}
    _join_continued(pages)
    out: dict[int, list[Line]] = {}
    for page in pages:
        lines: list[Line] = []
        for _, item in sorted(page.items, key=lambda it: it[0]):
            if isinstance(item, Line):
                lines.append(item)
            else:
                lines.extend(_table_lines(item))
        out[page.index] = lines
    return out


def _read_page(page: Any, index: int) -> _Page | None:
    tables = page.find_tables()
    if not tables:
        return None
    found = _Page(index, float(page.height))
    boxes = []
    for table in tables:
        grid = table.extract()
        if len(grid) < 2 or max(len(r) for r in grid) < 2:
            continue
        _, top, _, bottom = table.bbox
        boxes.append(table.bbox)
        found.items.append((top, _Table(index, top, bottom, grid, [index] * len(grid))))
    if not boxes:
        return None

    def outside(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

    for text_line in page.filter(outside).extract_text_lines():
        found.items.append((float(text_line["top"]), Line(text_line["text"], index + 1)))
    return found


def _join_continued(pages: list[_Page]) -> None:
    # the table still open at the foot of the previous page, and where its last part ends
    open_table: tuple[_Table, float] | None = None
    for before, after in itertools.pairwise(pages):
        if open_table is not None and open_table[0].row_pages[-1] == before.index:
            last, bottom = open_table
        else:
            tables = [it[1] for it in before.items if isinstance(it[1], _Table)]
            if not tables:
                open_table = None
                continue
            last = max(tables, key=lambda t: t.top)
            bottom = last.bottom
        open_table = None
        following = [it for it in after.items if isinstance(it[1], _Table)]
        if after.index != before.index + 1 or not following:
            continue
        first_item = min(following, key=lambda it: it[0])
        first = first_item[1]
        assert isinstance(first, _Table)
        if (
            bottom < _LOWER_PART * before.height
            or first.top > _UPPER_PART * after.height
            or max(len(r) for r in first.grid) != max(len(r) for r in last.grid)
        ):
            continue
        rows = first.grid
        repeated = 0
        while repeated < min(3, len(rows)) and rows[repeated] == last.grid[repeated]:
            repeated += 1
        last.grid.extend(rows[repeated:])
        last.row_pages.extend([after.index] * (len(rows) - repeated))
        after.items.remove(first_item)
        open_table = (last, first.bottom)


def _table_lines(table: _Table) -> list[Line]:
    return [
        Line(text, table.row_pages[i] + 1, hard=True, literal=True, row=True)
        for i, text in indexed_row_lines(table.grid)
    ]
