"""Recognise a heading at the start of a paragraph: Chinese numbering and decimal numbering.

Kinds, in the conventional order of Chinese official documents (GB/T 9704) and papers:
``第一编`` > ``第一章`` > ``第一节`` > ``第一条`` > ``一、`` > ``（一）`` > ``1.``/``1 引言`` >
``2.1`` > ``2.1.1`` > ``（1）`` > ``问：…？`` (a question of a press Q&A, up to its ？ or 。).
The rank decides nesting, so an excerpt that starts at ``（十）`` still puts a later ``五、``
above it. Chinese kinds may be *inline*
(``（十一）健全困难帮扶机制。为…``: the heading is the first sentence); decimal kinds must stand
alone on a short line, which keeps dates (``2024.1.5``), amounts (``1.5万人``) and numbered
list items inside paragraphs from being taken for headings. What it leaves out: explicit
headings (Markdown ``#``, Word styles, HTML ``<h1>``), which the format readers mark themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_HEADING_CHARS = 40
_CN = "[一二三四五六七八九十百零〇两]+"
_NUM = f"(?:{_CN}|\\d{{1,3}})"
_UNIT = "万亿千百元%％个人名所项年月日天倍岁"

# (kind, rank, pattern, inline allowed)
_KINDS: list[tuple[str, int, re.Pattern[str], bool]] = [
    ("part", 0, re.compile(f"^第{_NUM}编"), True),
    ("chapter", 1, re.compile(f"^第{_NUM}章"), True),
    ("section", 2, re.compile(f"^第{_NUM}节"), True),
    ("article", 3, re.compile(f"^第{_NUM}条"), True),
    ("cn", 4, re.compile(f"^{_CN}[、．]"), True),
    ("cn_paren", 5, re.compile(f"^[（(]{_CN}[）)]"), True),
    ("dec3", 8, re.compile(rf"^\d{{1,2}}\.\d{{1,2}}\.\d{{1,2}}(?![\d.{_UNIT}])"), False),
    ("dec2", 7, re.compile(rf"^\d{{1,2}}\.\d{{1,2}}(?![\d.{_UNIT}])"), False),
    (
        "arabic",
        6,
        re.compile(rf"^\d{{1,2}}(?:[.．、](?![\d{_UNIT}])|\s+(?=[^\d\s{_UNIT}]))"),
        False,
    ),
    ("arabic_paren", 9, re.compile(r"^[（(]\d{1,2}[）)]"), False),
]
_TERMINAL = "。！？；;!?，,：:"
_QUESTION = re.compile(r"^(?:问|Q)\s*[：:]")
_QUESTION_END = re.compile(r"[？?。]")
_QUESTION_RANK = 19  # below every numbered kind: the next numbered heading closes it
MAX_QUESTION_CHARS = 80
_INLINE_END = re.compile(r"[。：:！？]")


@dataclass(frozen=True)
class Heading:
    """A heading found at the start of a paragraph."""

    kind: str
    rank: int  # smaller is higher; explicit headings use their level (1-6) with kind "h"
    text: str
    standalone: bool  # True when the whole paragraph is the heading


def starts_like_heading(text: str) -> bool:
    """True when ``text`` begins with heading numbering (used to keep line breaks before it)."""
    s = text.strip()
    return any(p.match(s) for _, _, p, _ in _KINDS)


def match_heading(paragraph: str) -> Heading | None:
    """The heading ``paragraph`` starts with, or None."""
    s = paragraph.strip()
    question = _question(s)
    if question is not None:
        return question
    for kind, rank, pattern, inline in _KINDS:
        m = pattern.match(s)
        if not m:
            continue
        title = s[m.end() :].strip()
        if _is_standalone(s, title):
            return Heading(kind, 10 + rank, s, True)
        if inline:
            end = _INLINE_END.search(s)
            if end and end.start() <= MAX_HEADING_CHARS and "，" not in s[: end.start()]:
                standalone = end.end() >= len(s)
                return Heading(kind, 10 + rank, s[: end.start()].strip(), standalone)
            if kind == "article":
                return Heading(kind, 10 + rank, m.group(0), False)
        return None
    return None


def _question(s: str) -> Heading | None:
    """``问：…？`` in a press Q&A: the answers that follow sit under the question."""
    if not _QUESTION.match(s):
        return None
    end = _QUESTION_END.search(s)
    if end is None or end.end() > MAX_QUESTION_CHARS:
        return None
    return Heading("question", 10 + _QUESTION_RANK, s[: end.end()], end.end() >= len(s))


def _is_standalone(s: str, title: str) -> bool:
    return (
        len(s) <= MAX_HEADING_CHARS
        and bool(title)
        and s[-1] not in _TERMINAL
        and not title[0].isdigit()
        and s.count("，") + s.count(",") <= 1
    )
