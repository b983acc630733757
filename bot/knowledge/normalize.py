"""Chinese text clean-up: re-join lines broken mid-sentence and remove stray spaces.

Hand-written, because no maintained library handles what PDF extraction and newspaper
columns do to Chinese text:

* pypdf puts spaces around numbers and between CJK characters (``4 月 8 日``, ``2 0 2 4 年``,
  ``摘\u2003要``); :func:`normalize_spacing` removes them while keeping the space after a
  heading number (``2.1 高质量就业``) and between English words.
* some fonts come out as look-alike code points (Kangxi radicals ``⼯`` for ``工``) and
  full-width digits; :func:`normalize_characters` maps them to ordinary characters.
* columns break lines inside words. :func:`join_lines` rebuilds paragraphs: in *wrapped* text
  (most lines about as wide as the column) a line that fills the column continues in the next
  one, and a short line ends its paragraph; in unwrapped text each line is a paragraph. Blank
  lines inside wrapped text are ignored (both reference texts have them mid-sentence). Lines
  that start with heading numbering, ``问：``/``答：``, or that the reader marked as headings or
  table rows are never joined.

What it leaves out: page headers and footers (``pdf`` removes those) and heading hierarchy
(``structure``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.knowledge.headings import starts_like_heading

_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u2014\u2026\u201c\u201d\u2018\u2019\u00b7"
_SP = r"[ \t\u00a0\u2002\u2003\u2009\u3000]"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]){_SP}+(?=[{_CJK}0-9])")
_NUM_GAP = re.compile(f"(?<=[0-9%]){_SP}+(?=[{_CJK}])")
_SPACED_DIGITS = re.compile(r"(?<![\d.])\d(?: \d){2,}(?![\d.])")
_HEAD_NUMBER = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2}){0,2})\s+")
_MULTI_SPACE = re.compile(f"{_SP}{{2,}}")
_TERMINAL = tuple("。！？；：…!?;:.")
_CLOSERS = "”’」』）)》】"
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
# Kangxi radicals, CJK compatibility ideographs, full-width digits and Latin letters
_LOOK_ALIKE = re.compile("[\u2f00-\u2fdf\uf900-\ufaff\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_SPEAKER = re.compile(r"^(问|答|Q|A)\s*[：:]")
_FULL = 0.85  # a line at least this share of the column width is a full line
_MIN_CUT_PARAGRAPH = 40  # a paragraph this long ending in a short unpunctuated line goes on


@dataclass
class Line:
    """One line as a reader produced it, before paragraphs are rebuilt."""

    text: str
    page: int | None = None
    heading_level: int | None = None  # explicit heading level from the format (1-6)
    hard: bool = False  # a unit of its own: table row, list item, heading
    literal: bool = False  # table row, list item or code: never read as a heading
    row: bool = False  # a table row with its headers: chunk overlap never starts inside it


def normalize_characters(text: str) -> str:
    """Map look-alike characters to the ones people type and search for.

    Some Chinese PDF fonts make pypdf return Kangxi radicals (``⼯作`` with U+2F2F) or CJK
    compatibility ideographs instead of ordinary characters; full-width digits and letters
    (``２０２５``) are folded to ASCII; zero-width characters and soft hyphens are dropped.
    Full-width punctuation (，。：) is left alone: it is ordinary Chinese.
    """
    text = _INVISIBLE.sub("", text)
    return _LOOK_ALIKE.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)


def normalize_spacing(text: str) -> str:
    """Remove the spaces PDF extraction inserts into Chinese text; keep English spacing."""
    head = _HEAD_NUMBER.match(text)
    prefix = ""
    if head:
        prefix, text = head.group(1) + " ", text[head.end() :]
    text = _SPACED_DIGITS.sub(lambda m: m.group(0).replace(" ", ""), text)
    text = _CJK_GAP.sub("", text)
    text = _NUM_GAP.sub("", text)
    text = _MULTI_SPACE.sub(" ", text)
    return prefix + text.strip()


def width(text: str) -> float:
    """Display width: a CJK character counts 1, anything narrower 0.5, spaces nothing (PDF
    extraction adds spaces that take no room on the page)."""
    return sum(0.0 if ch.isspace() else 1.0 if ord(ch) >= 0x2E80 else 0.5 for ch in text)


def is_wrapped(lines: list[str]) -> tuple[bool, float]:
    """Whether ``lines`` are hard-wrapped at a column width, and that width."""
    widths = sorted(width(s.strip()) for s in lines if s.strip())
    if len(widths) < 4:
        return False, 0.0
    column = widths[int(len(widths) * 0.8)]
    near = sum(1 for w in widths if _FULL * column <= w <= 1.15 * column)
    return near / len(widths) >= 0.5 and column >= 8, column


def join_lines(lines: list[Line], *, keep_raw_spaces: bool = False) -> list[Line]:
    """Rebuild paragraphs from ``lines``; each result keeps the page of its first line.

    ``keep_raw_spaces`` is for PDF text: a line ending without a space was cut inside a word
    (``resea`` + ``rch``), so English halves join without one.
    """
    wrapped, column = is_wrapped([ln.text for ln in lines if not ln.hard])
    out: list[Line] = []
    current: Line | None = None
    prev_full = False
    tail_space = False  # the previous raw line ended with a space (PDF text)
    for line in lines:
        raw = line.text
        text = raw.strip()
        if not text:
            if not wrapped and current is not None:
                out.append(current)
                current = None
            continue
        if line.hard or line.heading_level:
            if current is not None:
                out.append(current)
            out.append(Line(text, line.page, line.heading_level, True, line.literal, line.row))
            current, prev_full = None, False
            continue
        first = True
        if current is not None and _continues(current.text, raw, wrapped, prev_full):
            current.text = _glue(current.text, text, keep_raw_spaces and not tail_space)
            first = False
        else:
            if current is not None:
                out.append(current)
            current = Line(text, line.page)
        tail_space = raw[-1:].isspace()
        # a paragraph's first line is indented by about two characters
        threshold = min(_FULL * column, column - 3) if first else _FULL * column
        prev_full = wrapped and width(text) >= threshold
        if _ends_line_paragraph(text, wrapped, prev_full):
            out.append(current)
            current = None
    if current is not None:
        out.append(current)
    for para in out:
        para.text = normalize_characters(para.text)
        if not (para.literal and "\n" in para.text):  # code blocks keep their spacing
            para.text = normalize_spacing(para.text)
    return [p for p in out if p.text]


def _continues(paragraph: str, raw_next: str, wrapped: bool, prev_full: bool) -> bool:
    nxt = raw_next.strip()
    if starts_like_heading(nxt) or _SPEAKER.match(nxt):
        return False
    if not wrapped:
        return False
    last = paragraph.rstrip()
    ended = last.rstrip(_CLOSERS).endswith(_TERMINAL)
    if ended and (raw_next[:1].isspace() or last[-1].isascii() != nxt[0].isascii()):
        return False  # an indented line, or a switch between English and Chinese text
    if prev_full:
        return True
    # a short line after a full one that did not end a sentence: pypdf split one wide line
    return not ended and len(paragraph) > _MIN_CUT_PARAGRAPH


def _ends_line_paragraph(text: str, wrapped: bool, full: bool) -> bool:
    return wrapped and not full and text.rstrip(_CLOSERS).endswith(_TERMINAL)


def _glue(left: str, right: str, cut_word: bool) -> str:
    """Join two pieces of one paragraph; ``cut_word`` means the line ended inside a word."""
    ascii_pair = bool(left and right) and left[-1].isascii() and right[0].isascii()
    if ascii_pair and not cut_word and left[-1] != "-":
        return left + " " + right
    return left + right
