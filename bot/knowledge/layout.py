"""Where text sits on the page: a glyph map of a paged document, and finding a passage in it.

A PDF's text layer gives every character a box (pypdfium2); an OCR'd page gives a box per
recognised piece, which is shared out over its characters by their share of the width. Both go
into one :class:`Layout`: the document's visible characters in reading order, each with its
page and box in page units (PDF points, or pixels for an image), origin top left.

:meth:`Layout.locate` finds a chunk's text in that map. The chunk went through clean-up that the
map did not (spaces removed, look-alike characters folded, page numbers and running heads taken
out, rows of a table rewritten with their headers), so whole-text matching would often fail.
Instead the chunk is cut into short runs of visible characters that are found one after the
other, each after the previous one; runs that are not found (a table row's added header words)
are skipped. The matched characters become one rectangle per line. Hand-written: the PDF
libraries find strings only within a page and only verbatim.
What it leaves out: rendering (``original``) and the reading of pages (``pdf``, ``ocr``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.knowledge.normalize import Line, normalize_characters

Box = tuple[float, float, float, float]  # x0, y0, x1, y1; origin top left
_RUN = 8  # characters per searched run: long enough to be unique, short enough to survive edits
_WINDOW = 4000  # how far past the previous match a run may be found
_ROW_WINDOW = 400  # the same, between the cells of one table row
_SPACE = re.compile(r"\s+")
# separators our own rewriting puts into text (table rows) and sentence ends: searched apart
_SEGMENT = re.compile(r"\s*·\s*| / |[，。；！？\n]")


@dataclass
class PagedText:
    """What a paged source (PDF, image) yields: lines, its own title, where each character
    sits, the OCR confidence of the pages read by OCR, and notes for the refresh report."""

    lines: list[Line]
    title: str = ""
    layout: Layout | None = None
    confidence: dict[int, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # "english / 中文"


def squeeze(text: str) -> str:
    """The visible characters of ``text`` as the layout compares them."""
    return _SPACE.sub("", normalize_characters(text))


@dataclass
class Layout:
    """Visible characters of a paged document with their page and box."""

    chars: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    sizes: dict[int, tuple[float, float]] = field(default_factory=dict)  # page -> (w, h)
    _page_start: dict[int, int] = field(default_factory=dict)
    _joined: str = ""

    def add(self, page: int, text: str, boxes: list[Box]) -> None:
        """Append ``text`` (one box per character) as part of ``page``."""
        self._page_start.setdefault(page, len(self.chars))
        for ch, box in zip(text, boxes, strict=True):
            for c in squeeze(ch):
                self.chars.append(c)
                self.pages.append(page)
                self.boxes.append(box)

    def add_piece(self, page: int, text: str, box: Box) -> None:
        """Append a recognised piece whose box covers all of ``text`` (OCR)."""
        visible = [c for c in text if not c.isspace()]
        if not visible:
            return
        x0, y0, x1, y1 = box
        step = (x1 - x0) / len(visible)
        boxes = [(x0 + i * step, y0, x0 + (i + 1) * step, y1) for i in range(len(visible))]
        self.add(page, "".join(visible), boxes)

    def locate(self, text: str, page: int | None = None) -> list[tuple[int, Box]]:
        """(page, rectangle) for each line of the page that shows ``text``."""
        if not self.chars:
            return []
        if len(self._joined) != len(self.chars):
            self._joined = "".join(self.chars)
        haystack = self._joined
        cursor = self._page_start.get(page or 0, 0) if page else 0
        matched: list[int] = []
        for segment, window in _segments(text):
            needle = squeeze(segment)
            i = 0
            while i < len(needle):
                run = needle[i : i + _RUN]
                if len(run) < 2:
                    # a lone last character counts only right where its run left off
                    if i and haystack[cursor : cursor + 1] == run:
                        matched.append(cursor)
                        cursor += 1
                    break
                found = haystack.find(run, cursor, cursor + window + len(run))
                if found < 0 and not matched and len(run) >= 4:
                    found = haystack.find(run)  # the start page may be off (a merged section)
                if found < 0:
                    i += _RUN // 2
                    continue
                matched.extend(range(found, found + len(run)))
                cursor = found + len(run)
                i += len(run)
        return self._rectangles(matched)

    def _rectangles(self, indices: list[int]) -> list[tuple[int, Box]]:
        out: list[tuple[int, Box]] = []
        current: list[float] | None = None
        current_page = -1
        for idx in indices:
            page, (x0, y0, x1, y1) = self.pages[idx], self.boxes[idx]
            if current is not None and page == current_page and _same_line(current, y0, y1):
                current[0], current[1] = min(current[0], x0), min(current[1], y0)
                current[2], current[3] = max(current[2], x1), max(current[3], y1)
                continue
            if current is not None:
                out.append((current_page, _rounded(current)))
            current, current_page = [x0, y0, x1, y1], page
        if current is not None:
            out.append((current_page, _rounded(current)))
        return out


def _segments(text: str) -> list[tuple[str, int]]:
    """The pieces of ``text`` to look for, each with how far ahead it may be found.

    A table row as ``tables`` writes it (``key·header·value，header·value。``) is looked for by
    its key and values only, close to each other: its header words are printed elsewhere on the
    page (and again on the next), and finding them would pull the search away from the row.
    """
    out: list[tuple[str, int]] = []
    for line in text.split("\n"):
        if "·" in line:
            pairs = line.rstrip("。").split("，")
            first = pairs[0].split("·")
            cells = [first[0]] + [p.split("·")[-1] for p in pairs if "·" in p]
            out.extend((cell, _ROW_WINDOW) for cell in cells)
        else:
            out.extend((seg, _WINDOW) for seg in _SEGMENT.split(line))
    return out


def _same_line(rect: list[float], y0: float, y1: float) -> bool:
    overlap = min(rect[3], y1) - max(rect[1], y0)
    return overlap >= 0.5 * min(rect[3] - rect[1], y1 - y0)


def _rounded(rect: list[float]) -> Box:
    x0, y0, x1, y1 = (round(v, 1) for v in rect)
    return (x0, y0, x1, y1)
