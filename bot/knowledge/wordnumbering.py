"""Render the automatic numbering Word shows but does not store in the paragraph text.

Chinese official documents in Word often number their headings automatically (``一、``,
``（一）``, ``第一章``); without the number the heading cannot be recognised. This reads
``numbering.xml`` (``w:num`` → ``w:abstractNum`` → ``w:lvl`` with ``w:start``, ``w:numFmt`` and
``w:lvlText``), follows paragraphs in body order keeping one counter per list and level (a
level's counter restarts when a higher level advances), and renders the label, e.g. ``%1、``
with ``chineseCounting`` → ``三、``. Numbering may come from the paragraph or from its style.
Hand-written, as python-docx does not render numbering. What it leaves out: ``w:lvlOverride``
restarts other than ``startOverride``, legal-style ``isLgl`` and picture bullets.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

_DIGITS = "零一二三四五六七八九"
_TRADITIONAL = "甲乙丙丁戊己庚辛壬癸"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (up to 999)."""
    if n <= 0 or n >= 1000:
        return str(n)
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += _DIGITS[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    if ones:
        out += _DIGITS[ones]
    return out


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):  # fmt: skip
        while n >= value:
            out += letters
            n -= value
    return out


def format_number(n: int, fmt: str) -> str:
    """``n`` in Word's number format ``fmt``."""
    if fmt in {"chineseCounting", "chineseCountingThousand", "chineseLegalSimplified",
               "taiwaneseCounting", "taiwaneseCountingThousand", "japaneseCounting"}:  # fmt: skip
        return chinese_number(n)
    if fmt == "ideographTraditional" and 1 <= n <= 10:
        return _TRADITIONAL[n - 1]
    if fmt == "decimalEnclosedCircle" and 1 <= n <= 20:
        return _CIRCLED[n - 1]
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) - 0x30 + 0xFF10) for d in str(n))
    if fmt in {"lowerLetter", "upperLetter"} and n >= 1:
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in {"lowerRoman", "upperRoman"} and n >= 1:
        return _roman(n).upper() if fmt == "upperRoman" else _roman(n)
    if fmt in {"bullet", "none"}:
        return ""
    return str(n)


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""


@dataclass
class Numbering:
    """Numbering definitions of one document and the running counters."""

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)  # numId -> ilvl -> level
    counters: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))

    @classmethod
    def of(cls, document: Any) -> Numbering:
        """Read the numbering part of a python-docx ``Document`` (empty when it has none)."""
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return cls()
        abstract: dict[str, dict[int, _Level]] = {}
        for node in root.findall(qn("w:abstractNum")):
            abstract[node.get(qn("w:abstractNumId"))] = {
                int(lvl.get(qn("w:ilvl"), "0")): _read_level(lvl)
                for lvl in node.findall(qn("w:lvl"))
            }
        levels: dict[str, dict[int, _Level]] = {}
        for num in root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            if ref is None:
                continue
            own = dict(abstract.get(ref.get(qn("w:val")), {}))
            for override in num.findall(qn("w:lvlOverride")):
                ilvl = int(override.get(qn("w:ilvl"), "0"))
                start = override.find(qn("w:startOverride"))
                if start is not None and ilvl in own:
                    base = own[ilvl]
                    own[ilvl] = _Level(int(start.get(qn("w:val"), "1")), base.fmt, base.text)
            levels[num.get(qn("w:numId"))] = own
        return cls(levels=levels)

    def label(self, paragraph: Paragraph) -> str:
        """The rendered number of ``paragraph`` ("" when it is not numbered); advances counters."""
        ref = _num_ref(paragraph)
        if ref is None:
            return ""
        num_id, ilvl = ref
        definition = self.levels.get(num_id, {})
        if ilvl not in definition:
            return ""
        if definition[ilvl].fmt in {"bullet", "none"}:
            return ""
        counters = self.counters[num_id]
        counters[ilvl] = counters.get(ilvl, definition[ilvl].start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        text = definition[ilvl].text
        for level, spec in definition.items():
            placeholder = f"%{level + 1}"
            if placeholder in text:
                value = counters.get(level, spec.start)
                text = text.replace(placeholder, format_number(value, spec.fmt))
        return text


def _read_level(lvl: Any) -> _Level:
    def val(tag: str, default: str) -> str:
        node = lvl.find(qn(tag))
        return node.get(qn("w:val"), default) if node is not None else default

    return _Level(int(val("w:start", "1")), val("w:numFmt", "decimal"), val("w:lvlText", ""))


def _num_ref(paragraph: Paragraph) -> tuple[str, int] | None:
    """(numId, ilvl) from the paragraph's own properties, else from its style chain."""
    candidates = [paragraph._p.pPr]
    style = paragraph.style
    while style is not None:
        candidates.append(style.element.pPr)
        style = style.base_style
    for ppr in candidates:
        if ppr is None:
            continue
        num_pr = ppr.find(qn("w:numPr"))
        if num_pr is None:
            continue
        num_id = num_pr.find(qn("w:numId"))
        ilvl = num_pr.find(qn("w:ilvl"))
        if num_id is None:
            continue
        value = num_id.get(qn("w:val"))
        if value in (None, "0"):  # numId 0 switches numbering off
            return None
        return value, int(ilvl.get(qn("w:val"), "0")) if ilvl is not None else 0
    return None
