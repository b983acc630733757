"""Turn rebuilt paragraphs into blocks that know their section path.

Headings come from two places: the format itself (Markdown ``#``, Word heading styles, HTML
``<h1>``–``<h6>``, ranked by level) and Chinese or decimal numbering at the start of a paragraph
(``headings``). A stack keeps the open headings: a new heading closes every open heading of the
same or a lower rank, so ``五、`` closes ``（十）`` and ``2.2`` closes ``2.1``. The document title,
when known, is the root of every path. Headings stay in the text: a heading paragraph is a block
of its own under its own path, so a chunk that starts a section starts with its heading and
merged small sections keep theirs; an inline heading (``（十一）健全困难帮扶机制。为…``) is the
start of its block.
What it leaves out: tables of contents (read as ordinary paragraphs) and headings longer than
about 40 characters, which are treated as text.
"""

from __future__ import annotations

from bot.knowledge.headings import Heading, match_heading
from bot.knowledge.models import Block
from bot.knowledge.normalize import Line

MAX_HEADING_CHARS = 200


def build_blocks(paragraphs: list[Line], *, title: str = "") -> list[Block]:
    """Blocks in reading order, each with the section path open where it starts."""
    stack: list[Heading] = []
    blocks: list[Block] = []
    for para in paragraphs:
        heading: Heading | None
        if para.heading_level and len(para.text) <= MAX_HEADING_CHARS:
            heading = Heading("h", para.heading_level, para.text, True)
        elif para.heading_level:
            heading = None  # a "heading" this long is text; as a path it would join every chunk
        elif para.literal:
            heading = None
        else:
            heading = match_heading(para.text)
        if heading is not None:
            while stack and stack[-1].rank >= heading.rank:
                stack.pop()
            stack.append(heading)
        blocks.append(
            Block(
                text=para.text,
                section_path=_path(stack, title),
                page=para.page,
                unit=para.row,
            )
        )
    return blocks


def _path(stack: list[Heading], title: str) -> list[str]:
    names = [h.text for h in stack]
    if title and (not names or names[0] != title):
        names.insert(0, title)
    return names
