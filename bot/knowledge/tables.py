"""Tables as rows that keep their headers: ``四川省 · 一次性求职补贴 · 1200元/人``.

A policy notice puts its figures in tables (地区 | 标准 | 期限). Read as plain text, a row such
as ``四川省 | 1200 | 2025年底`` loses what its numbers are, and a table spread over chunks loses
its header after the first one. Here every data row becomes one self-contained line: the row's
key (its first text column; a leading 序号 column is dropped), then each filled cell as
``header · value``, pairs separated by ``，``. A header of several levels is joined top-down with
`` / `` (``补贴标准 / 一次性求职补贴``).

Input is a rectangular grid of cell texts in which a merged cell either repeats its text in
every position it covers (python-docx, our HTML expansion) or leaves ``None`` there
(pdfplumber). ``None`` is filled from the left in the first row (a title spanning columns) and
from above elsewhere (a region spanning rows).

How many rows are header: the format's own mark when it has one (``<th>``/``<thead>``, Word's
repeated header row), else the first row, plus the next one when the first spans columns above
it and the next holds no figures. Hand-written: the libraries give cells, not meaning.
What it leaves out: finding tables (``pdf``, ``word``, ``web`` do that) and tables without a
header row, whose rows are kept as ``cell | cell``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Grid = list[list[str | None]]

_FIGURE = re.compile(r"\d")
_INDEX_HEADER = re.compile(r"^(序号|编号|No\.?|#)$", re.I)
_MAX_HEADER_ROWS = 3
_ENDS = ("。", "！", "？", ".", "!", "?")


def clean_cell(text: str | None) -> str | None:
    return None if text is None else " ".join(text.split())


def fill_merged(grid: Grid) -> list[list[str]]:
    """The grid with every ``None`` replaced by the text of the cell it belongs to."""
    width = max((len(r) for r in grid), default=0)
    out: list[list[str]] = []
    for i, row in enumerate(grid):
        cells = [clean_cell(c) for c in row] + [None] * (width - len(row))
        filled: list[str] = []
        for j, cell in enumerate(cells):
            if cell is not None:
                filled.append(cell)
            elif i == 0:
                filled.append(filled[j - 1] if j else "")
            else:
                filled.append(out[i - 1][j])
        out.append(filled)
    return out


def header_depth(grid: list[list[str]], hint: int | None = None) -> int:
    """How many leading rows are header (``hint`` from the format wins when it is given)."""
    if hint:
        return min(hint, len(grid) - 1) if len(grid) > 1 else 0
    if len(grid) < 2:
        return 0
    depth = 1
    while depth < min(_MAX_HEADER_ROWS, len(grid) - 1):
        above, row = grid[depth - 1], grid[depth]
        spanned = [j for j in range(1, len(above)) if above[j] and above[j] == above[j - 1]]
        spanned += [j - 1 for j in spanned]
        under = [row[j] for j in set(spanned)]
        if not spanned or any(_FIGURE.search(c) for c in row if c) or len(set(under)) < 2:
            break
        depth += 1
    return depth


def row_lines(grid: Grid, header_hint: int | None = None) -> list[str]:
    """One line per data row, each carrying its headers; see the module docstring."""
    return [line for _, line in indexed_row_lines(grid, header_hint)]


def indexed_row_lines(grid: Grid, header_hint: int | None = None) -> list[tuple[int, str]]:
    """(index of the grid row, its line) for each data row; header rows give no line."""
    filled = fill_merged(grid)
    kept = [i for i, r in enumerate(filled) if any(r)]
    cells = [filled[i] for i in kept]
    if not cells:
        return []
    depth = header_depth(cells, header_hint)
    if depth == 0 or len(cells[0]) < 2:
        return [(kept[k], _plain(r)) for k, r in enumerate(cells)]
    labels = _labels(cells[:depth])
    body = cells[depth:]
    columns = list(range(len(labels)))
    running = [r[0] for r in body] == [str(n) for n in range(1, len(body) + 1)]
    if _INDEX_HEADER.match(labels[0]) or running:
        columns = columns[1:]  # a running number says nothing about the row
    rows = kept[depth:]
    if not columns:
        return [(i, _plain(r)) for i, r in zip(rows, body, strict=True)]
    key, rest = columns[0], columns[1:]
    lines = []
    for i, row in zip(rows, body, strict=True):
        pairs = [f"{labels[j]} · {row[j]}" for j in rest if row[j] and row[j] != row[key]]
        head = row[key] or labels[key]
        line = " · ".join([head, "，".join(pairs)]) if pairs else head
        if line:
            # a row is one sentence: answerers that split at 。 quote it whole, key included
            lines.append((i, line if line.endswith(_ENDS) else line + "。"))
    return lines


def _labels(header: Sequence[Sequence[str]]) -> list[str]:
    labels = []
    for j in range(len(header[0])):
        parts: list[str] = []
        for row in header:
            if row[j] and row[j] not in parts:
                parts.append(row[j])
        labels.append(" / ".join(parts))
    return labels


def _plain(row: Sequence[str]) -> str:
    cells: list[str] = []
    for c in row:
        if not cells or cells[-1] != c:  # merged cells repeat
            cells.append(c)
    return " | ".join(c for c in cells if c)
