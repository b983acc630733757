"""The units an answer is made of: sentences of running text, whole lists, procedures, table rows.

Policy guides and notices are structured: a section (谁可以申请, 怎么申请) holds a lead-in ("再加上
下面任意一种身份：") and its list items, a numbered procedure, a table, or paragraphs. Quoting the
sentences that score best one by one cuts lists short and reorders steps, so a passage is read
into :class:`Group`\\ s first — a ``list`` (lead-in + items, in order), a ``table`` (header row +
rows) or a ``paragraph`` (its sentences) — and the answerer chooses groups, then what of a group
to quote. Lines a loader marked as list items ("- ", "1. ", "（一）", "①") are items; so are lines
after a "…：" lead-in while they end in "；" (text extracted from a PDF keeps no bullets).

A chunk may end in the middle of a list. :func:`passages` asks the retriever for the whole
section of a hit (``SectionSource``, when it can) so a list is read whole, and merges hits of one
section into one passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from bot.chat.sentences import bigrams, split_sentences, words
from bot.knowledge.models import Hit

Role = Literal["sentence", "item", "lead", "row", "header"]
ITEM = re.compile(
    r"^\s*(?:[-*+•·]\s+|\d{1,2}\s*[.、)）]\s*(?!\d)|[（(][一二三四五六七八九十\d]{1,3}[)）]\s*|"
    r"[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]\s*|[一二三四五六七八九十]{1,2}是)"
)
_NUMBERED = re.compile(r"^\s*(?:\d{1,2}\s*[.、)）]|[（(][一二三四五六七八九十\d]{1,3}[)）]|[①-⑳])")
_ROW = re.compile(r"\s\|\s|\s·\s.*\s·\s")
_LEAD_END = ("：", ":")
_ITEM_END = ("；", ";")
_MAX_SECTION_CHARS = 2500  # a longer section (a paper's chapter) is read chunk by chunk
_MAX_ITEM_CHARS = 260  # a longer list item is quoted sentence by sentence
_MARKUP = re.compile(r"^\s*(?:#+\s*|\*\*)|\*\*\s*$")
_REFERENCE_MARK = re.compile(r"\s*\[\d{1,3}(?:\s*[,，\-–]\s*\d{1,3})*\]")


@runtime_checkable
class SectionSource(Protocol):
    """A retriever that can return the whole section a hit belongs to."""

    def section_of(self, hit: Hit) -> Hit | None: ...


@dataclass
class Piece:
    """A quotable piece: a sentence, a list item, a lead-in or a table row."""

    passage: int  # index into the passages
    group: int  # index into the passage's groups
    order: int  # position in the passage, for reading order
    text: str
    role: Role
    words: set[str] = field(default_factory=set)
    grams: set[str] = field(default_factory=set)


@dataclass
class Group:
    """A list, a table or a paragraph of one passage, with its pieces in reading order."""

    passage: int
    index: int
    kind: Literal["list", "table", "paragraph"]
    pieces: list[Piece]
    numbered: bool = False  # a procedure: its items are numbered steps

    @property
    def lead(self) -> Piece | None:
        return next((p for p in self.pieces if p.role in ("lead", "header")), None)

    @property
    def items(self) -> list[Piece]:
        return [p for p in self.pieces if p.role in ("item", "row")]


@dataclass
class Passage:
    """A retrieved hit (its whole section when available) read into groups."""

    hit: Hit
    groups: list[Group]
    rank: int  # retrieval rank of its best hit
    context_words: set[str] = field(default_factory=set)  # title and section
    context_grams: set[str] = field(default_factory=set)

    @property
    def pieces(self) -> list[Piece]:
        return [p for g in self.groups for p in g.pieces]


def passages(hits: list[Hit], source: object | None = None) -> list[Passage]:
    """The hits read into passages: one per section, whole sections where ``source`` can give
    them and they are not too long, in the order of the hits."""
    out: list[Passage] = []
    whole_sections: set[tuple[str, tuple[str, ...]]] = set()
    for rank, hit in enumerate(hits):
        key = (hit.doc_id, tuple(hit.section_path))
        if key in whole_sections:
            continue
        if isinstance(source, SectionSource):
            whole = source.section_of(hit)
            if whole is not None and len(whole.text) <= _MAX_SECTION_CHARS:
                whole_sections.add(key)
                hit = whole
        if any(_contains(p.hit, hit) for p in out):
            continue
        context = f"{hit.title} {hit.section}"
        index = len(out)
        out.append(Passage(hit, read_groups(index, hit), rank, words(context), bigrams(context)))
    return out


def _contains(a: Hit, b: Hit) -> bool:
    return a.doc_id == b.doc_id and b.text.strip() in a.text


def body_lines(hit: Hit) -> list[str]:
    """The hit's text lines without its heading lines (chunks open with their section's heading,
    which would otherwise be glued to the first sentence)."""
    headings = {h.strip() for h in [*hit.section_path, hit.title, hit.meta.title] if h.strip()}
    lines = [line.strip() for line in hit.text.splitlines()]
    return [ln for ln in lines if ln and _MARKUP.sub("", ln).strip() not in headings]


def read_groups(passage: int, hit: Hit) -> list[Group]:
    """The lists, tables and paragraphs of one passage, in reading order."""
    groups: list[Group] = []
    order = 0

    def piece(text: str, role: Role) -> Piece:
        nonlocal order
        clean = _REFERENCE_MARK.sub("", text).strip()
        order += 1
        return Piece(passage, len(groups), order, clean, role, words(clean), bigrams(clean))

    lines = body_lines(hit)
    i = 0
    while i < len(lines):
        line = lines[i]
        if _ROW.search(line):
            rows = []
            while i < len(lines) and _ROW.search(lines[i]):
                rows.append(lines[i])
                i += 1
            pieces = [piece(rows[0], "header")] + [piece(r, "row") for r in rows[1:]]
            groups.append(Group(passage, len(groups), "table", pieces))
            continue
        items, j = _list_items(lines, i)
        if items:
            lead_text = None
            if groups and groups[-1].kind == "paragraph" and groups[-1].pieces:
                last = groups[-1].pieces[-1]
                if last.text.endswith(_LEAD_END) and last.order == order:
                    lead_text = groups[-1].pieces.pop().text
                    order -= 1
                    if not groups[-1].pieces:
                        groups.pop()
            pieces = [piece(lead_text, "lead")] if lead_text else []
            for item in items:
                if len(item) > _MAX_ITEM_CHARS:
                    pieces += [piece(s, "item") for s in split_sentences(item)]
                else:
                    pieces.append(piece(item, "item"))
            numbered = all(_NUMBERED.match(item) for item in items)
            groups.append(Group(passage, len(groups), "list", pieces, numbered))
            i = j
            continue
        sentences = split_sentences(line)
        if sentences:
            groups.append(
                Group(passage, len(groups), "paragraph", [piece(s, "sentence") for s in sentences])
            )
        i += 1
    return groups


def _list_items(lines: list[str], start: int) -> tuple[list[str], int]:
    """The list items starting at ``lines[start]`` and the index after them (none: ``[]``)."""
    items: list[str] = []
    i = start
    while i < len(lines) and ITEM.match(lines[i]):
        items.append(lines[i])
        i += 1
    if items:
        return items, i
    # no markers: lines after a "…：" lead-in that end in "；" (and the "。" line closing them)
    if start == 0 or not lines[start - 1].endswith(_LEAD_END):
        return [], start
    while i < len(lines) and len(lines[i]) <= _MAX_ITEM_CHARS:
        items.append(lines[i])
        i += 1
        if not lines[i - 1].endswith(_ITEM_END):
            break
    return (items, i) if len(items) >= 2 else ([], start)
