"""The offline answerer's core: for each part of the question, the block that answers it or none.

No model writes anything: an answer is made of pieces copied from retrieved passages, so every
statement is quoted and cited by construction. For every part of the analysed question
(``bot.chat.analysis``) the part's own retrieved hits are read into passages of lists,
tables and paragraphs (``bot.chat.units``), a block is chosen (``bot.chat.selection``) and
:class:`~bot.chat.decision.DecisionModel` decides whether it answers the part. A piece quoted
for one part is not quoted again for another; a part that chose nothing new but answered with an
earlier part's text says so. The LLM mode uses the same parts and blocks as its material.
Framing (lead-in, part headings, notes, channels) is the composer's job (``bot.chat.offline``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.chat.analysis import Part, QuestionAnalysis
from bot.chat.decision import Decision, DecisionModel, features
from bot.chat.focus import TopicCheck
from bot.chat.glossary import Glossary
from bot.chat.language import has_cjk
from bot.chat.selection import Block, PieceModel, Scored, Selector, Similarity
from bot.chat.units import ITEM, Passage, Piece, passages
from bot.knowledge.models import Hit
from bot.privacy import redact

logger = logging.getLogger(__name__)

_END = "。！？；;.!?"
_HEADING_CHARS = 24
_MARKDOWN = re.compile(r"[*_`#\[\]<>|~]")


@dataclass
class PartAnswer:
    """One part, what was chosen for it and the decision."""

    part: Part
    passages: list[Passage]
    block: Block | None
    decision: Decision
    scored: list[Scored] = field(default_factory=list)  # every candidate piece, for evaluation

    @property
    def answered(self) -> bool:
        return self.block is not None and self.decision.answered


@dataclass
class Extract:
    """The analysed question and its parts' answers."""

    analysis: QuestionAnalysis
    parts: list[PartAnswer] = field(default_factory=list)

    @property
    def supported(self) -> bool:
        return any(p.answered for p in self.parts)

    @property
    def evidence(self) -> float:
        return max((p.decision.probability for p in self.parts), default=0.0)


class ExtractiveAnswerer:
    """Chooses and judges blocks per part; stateless apart from its configuration."""

    def __init__(
        self,
        glossary: Glossary,
        model: DecisionModel,
        pieces: PieceModel | None = None,
        similarity: Similarity | None = None,
    ) -> None:
        self.glossary = glossary
        self.model = model
        self.pieces = pieces or PieceModel.load()
        self.similarity = similarity

    def extract(
        self,
        analysis: QuestionAnalysis,
        hits_by_part: list[list[Hit]],
        source: object | None = None,
    ) -> Extract:
        """The block and decision of every part; ``hits_by_part[i]`` answers ``parts[i]``."""
        topics = TopicCheck(self.glossary, analysis.text, asked=analysis.topics)
        result = Extract(analysis)
        taken: set[int] = set()
        quoted: set[tuple[str, str, str]] = set()  # (document, section, text) already quoted
        for part, hits in zip(analysis.parts, hits_by_part, strict=True):
            found = passages(hits, source)
            selector = Selector(analysis, topics, found, self.pieces, self.similarity)
            scored = selector.score(part)
            for s in scored:  # a piece an earlier part quoted is not quoted twice
                if _where(found, s.piece) in quoted:
                    taken.add(id(s.piece))
            block = selector.choose(part, scored, taken)
            values = features(analysis, part, block, found, topics, selector.content_weights(part))
            decision = self.model.decide(values)
            logger.info(
                "part %r (%s/%s): p=%.3f %s",
                part.text,
                part.kind.name,
                part.fact,
                decision.probability,
                {k: round(v, 3) for k, v in decision.features.items()},
            )
            if block is not None and decision.answered:
                quoted.update(_where(found, piece) for piece in block.pieces)
            result.parts.append(PartAnswer(part, found, block, decision, scored))
        return result


def _where(found: list[Passage], piece: Piece) -> tuple[str, str, str]:
    hit = found[piece.passage].hit
    return hit.doc_id, hit.section, piece.text


def render_block(answer: PartAnswer, cite: dict[int, int], more: Callable[[int, int], str]) -> str:
    """The block as text with ``[n]`` markers: ``cite`` maps a passage index of the part to its
    citation number. List items keep their lines and order; a lead-in carries no marker (its
    items do); the sentences of a paragraph run on; ``more(count, n)`` words the line saying how
    many items of a long list were left out."""
    assert answer.block is not None
    block = answer.block
    lines: list[str] = []
    current: tuple[int, int] | None = None
    for piece in block.pieces:
        n = cite[piece.passage]
        text = _marked(piece, n)
        group = (piece.passage, piece.group)
        if piece.role in ("item", "row", "header", "lead"):
            lines.append(_item_line(piece, text))
        elif current == group and lines:
            lines[-1] += ("" if has_cjk(text) else " ") + text
        else:
            lines.append(text)
        current = group
        omitted = block.omitted.get(piece.group, 0)
        is_last = piece is _last_of_group(block.pieces, piece)
        if omitted and is_last and piece.role in ("item", "row"):
            lines.append(more(omitted, n))
    return "\n".join(lines)


def _last_of_group(pieces: list[Piece], piece: Piece) -> Piece:
    same = [p for p in pieces if (p.passage, p.group) == (piece.passage, piece.group)]
    return same[-1]


def _marked(piece: Piece, n: int) -> str:
    """The piece with its citation marker before the final punctuation (none on a lead-in)."""
    text = piece.text.rstrip()
    if piece.role in ("lead", "header") or text.endswith(("：", ":")):
        return text
    tail = ""
    if text and text[-1] in _END:
        text, tail = text[:-1], text[-1]
    default = "。" if has_cjk(text) else "."
    return f"{text}[{n}]{tail or default}"


def _item_line(piece: Piece, text: str) -> str:
    if piece.role == "item" and not ITEM.match(text):
        return f"- {text}"
    return text


def part_heading(ask: str) -> str:
    """A part's heading: the graduate's sub-question, short, with personal data and Markdown
    characters removed."""
    text = _MARKDOWN.sub("", redact(ask)).strip(" ，,。？?")
    return text if len(text) <= _HEADING_CHARS else text[:_HEADING_CHARS] + "…"
