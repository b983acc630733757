"""Read Markdown: YAML front matter as metadata, ``#`` headings, paragraphs, lists and tables.

Paragraphs are lines between blank lines, re-joined (no space between Chinese characters); each
list item (its bullet written as "- "), table row and fenced code block is a unit of its own.
Inline markup is reduced to its text: ``**bold**`` → bold, ``[text](url)`` → text, images are
dropped. What it leaves out: Setext (underlined) headings, HTML blocks (kept as text), footnotes
and reference links.
"""

from __future__ import annotations

import re
from typing import Any

from bot.knowledge.metadata import parse_yaml_mapping
from bot.knowledge.normalize import Line

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^(```|~~~)")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)")


def split_front_matter(text: str, where: str) -> tuple[dict[str, Any], str]:
    """The front-matter mapping (empty if none) and the body after it."""
    m = _FRONT.match(text)
    if not m:
        return {}, text
    return parse_yaml_mapping(m.group(1), f"{where} (front matter)"), text[m.end() :]


def markdown_lines(body: str) -> list[Line]:
    """Units of a Markdown body, already joined into paragraphs."""
    out: list[Line] = []
    para: list[str] = []
    item = False  # the open paragraph is a list item

    def flush() -> None:
        if para:
            out.append(Line(_join(para), hard=True, literal=item))
            para.clear()

    fence: list[str] | None = None
    for raw in body.splitlines():
        if fence is not None:
            if _FENCE.match(raw.strip()):
                out.append(Line("\n".join(fence), hard=True, literal=True))
                fence = None
            else:
                fence.append(raw)
            continue
        line = raw.strip()
        if _FENCE.match(line):
            flush()
            fence = []
        elif not line:
            flush()
            item = False
        elif m := _HEADING.match(line):
            flush()
            item = False
            out.append(Line(_inline(m.group(2)), heading_level=len(m.group(1)), hard=True))
        elif line.startswith("|"):
            flush()
            if not _TABLE_SEP.match(line):
                cells = [_inline(c.strip()) for c in line.strip("|").split("|")]
                out.append(Line(" | ".join(cells), hard=True, literal=True))
        elif _ITEM.match(raw):
            flush()
            item = True
            # a bullet is kept as "- " so readers (the answerer's lists) still see an item
            bullet = raw.lstrip()[0] in "-*+"
            para.append(_inline("- " + _ITEM.sub("", raw, count=1) if bullet else line))
        else:
            para.append(_inline(line.lstrip("> ")))
    if fence:
        out.append(Line("\n".join(fence), hard=True, literal=True))
    flush()
    return [ln for ln in out if ln.text.strip()]


def _inline(text: str) -> str:
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    return _EMPHASIS.sub("", text).strip()


def _join(lines: list[str]) -> str:
    text = lines[0]
    for nxt in lines[1:]:
        if text and nxt and text[-1].isascii() and nxt[0].isascii():
            text += " " + nxt
        else:
            text += nxt
    return text
