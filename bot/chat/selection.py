"""Choose what one question part quotes: the group that answers it, whole or in part.

Every piece (sentence, list item, lead-in, table row) of the retrieved passages is scored for
the part: weighted coverage of the question's content words in the piece (its passage's title
and section, and a list item's lead-in, count half), CJK bigram overlap, and what the part's type
asks for — a section heading of its type (谁可以申请 for who-can-apply), its sentence cues, the
asked fact stated (or a rule saying who sets it), the extreme value for 最长/最高. A piece about
another programme than the one asked (``focus.TopicCheck``) is never quoted; one whose passage
names no programme at all counts less.

The best piece decides the group. A list is quoted whole, in its order, when the part wants a
list (who can apply, the steps, the documents, 有哪些) or when several of its items are about the
question; otherwise its lead-in and the items that are. A paragraph gives its best sentence and
the neighbouring sentences that also answer. One more group may follow when it answers nearly
as well (three quarters of the best score) and is about the asked programme; nothing else is
quoted. Very long lists are cut after a dozen items and say how many follow.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from bot.chat.analysis import ASK_WORDS, Part, QuestionAnalysis
from bot.chat.focus import TopicCheck, extreme_positions
from bot.chat.language import has_cjk
from bot.chat.question import supplies
from bot.chat.safety import is_instruction_like
from bot.chat.sentences import bigrams, words
from bot.chat.units import Group, Passage, Piece

# weights of the score, named so each can be reasoned about (see the module docstring)
_WORD, _GRAM = 0.6, 0.4
_CONTEXT = 0.5  # a word found only in the title, section or lead-in
_OTHER_PART = 0.3  # a word of another part of a compound question
_HEADING = 0.4  # the passage's section heading is of the part's type
_CUE = 0.1  # a sentence cue of the part's type
_STATED, _POINTER = 0.2, 0.1  # the asked fact stated, or who sets it
_SUPERLATIVE, _EXTREME = 0.1, 0.3  # a stated limit; the extreme one for 最长/最高
_NEUTRAL = 0.2  # the question names a programme, the piece's passage names none
_SAME_LANGUAGE = 0.1  # an English piece for an English question
_RANK = 0.03  # a small prior for the retriever's order
_LONG = 0.05  # a very long sentence reads badly as an answer
# choosing
_ALSO_ITEM = 0.6  # list items scoring this share of the best make the list "about" the question
_KEEP_ITEM = 0.7  # …and are quoted when the list is not quoted whole
_NEIGHBOUR = 0.6  # a neighbouring sentence of the best one is quoted from this share
_MOSTLY = 0.6  # …and a list most of whose items are relevant is quoted whole
_SECOND_GROUP = 0.85  # a second group is quoted from this share of the best score
_SECOND_LEXICAL = 0.9  # …and of its word overlap
_MAX_ITEMS, _MAX_LIST_CHARS = 12, 900
_MAX_EXTRA_CHARS = 360  # a second group adds at most this much
_MIN_CHARS = 6
_NOISE = re.compile(
    r"^(?:问|记者)[：:]|参考文献|^关键词|^Key ?words|^作者简介|^收稿|^DOI|^基金项目", re.IGNORECASE
)
_REFERENCE_SECTION = re.compile(r"来源|依据|参考|出处|references|sources", re.IGNORECASE)


@dataclass
class Scored:
    piece: Piece
    score: float
    lexical: float


@dataclass
class Block:
    """What one part quotes, in the order shown, and how well its best piece scored."""

    pieces: list[Piece]
    best: Scored
    groups: list[Group]
    omitted: dict[int, int] = field(default_factory=dict)  # group index -> items left out
    above: bool = False  # the answer was quoted for an earlier part already

    @property
    def passages(self) -> list[int]:
        return list(dict.fromkeys(p.passage for p in self.pieces))


class Selector:
    """Scores pieces and chooses blocks for the parts of one analysed question."""

    def __init__(self, analysis: QuestionAnalysis, topics: TopicCheck, found: list[Passage]):
        self.analysis = analysis
        self.topics = topics
        self.passages = found
        self._about: dict[int, str] = {}

    # --- scoring -----------------------------------------------------------------------------
    def weights_for(self, part: Part) -> dict[str, float]:
        """The question's word weights, with another part's own words counting less."""
        if not self.analysis.compound:
            return dict(self.analysis.weights)
        own = words(f"{part.text} {self.analysis.context}")
        own |= {w for t in self.analysis.topics for w in words(" ".join(t.forms))}
        return {t: w if t in own else _OTHER_PART * w for t, w in self.analysis.weights.items()}

    def verdict(self, piece: Piece) -> str:
        """``asked``, ``other`` or ``neutral`` for the piece (see ``focus.TopicCheck``); a
        passage that names the asked programme anywhere makes its pieces about it."""
        passage = self.passages[piece.passage]
        hit = passage.hit
        verdict = self.topics.verdict(piece.text, f"{hit.title} {hit.section}")
        if verdict == "neutral" and self.topics.verdict("", hit.text) == "asked":
            return "asked"
        return verdict

    def score(self, part: Part) -> list[Scored]:
        """Every usable piece that is not about another programme, scored for ``part``."""
        # The asked programme's own words and bigrams say which documents are about it (the
        # topic check's business); among its pieces they favour only those that repeat the
        # name. So the rest of the question decides, when it has content words of its own
        # (not only words of asking, which leave the choice to the part's type).
        weights = self.weights_for(part)
        names = [f for t in self.topics.asked for f in t.forms]
        topic_words = {w for f in names for w in words(f)}
        topic_grams = {g for f in names for g in bigrams(f)}
        if any(t not in topic_words and t not in ASK_WORDS for t in weights):
            weights = {t: w for t, w in weights.items() if t not in topic_words}
        grams = self.analysis.grams - topic_grams or self.analysis.grams
        total = sum(weights.values()) or 1.0
        candidates: list[tuple[Piece, str]] = []
        for passage in self.passages:
            if _REFERENCE_SECTION.search(passage.hit.section):
                continue
            for piece in passage.pieces:
                if not _usable(piece):
                    continue
                verdict = self.verdict(piece)
                if verdict != "other":
                    candidates.append((piece, verdict))
        extreme, limits = extreme_positions([p.text for p, _ in candidates], part.superlative)
        parts: list[tuple[float, float, float]] = []
        for i, (piece, verdict) in enumerate(candidates):
            passage = self.passages[piece.passage]
            group = passage.groups[piece.group]
            lead = group.lead if piece.role in ("item", "row") else None
            ctx_words = passage.context_words | (lead.words if lead else set())
            ctx_grams = passage.context_grams | (lead.grams if lead else set())
            word_cov = (
                sum(
                    w if t in piece.words else _CONTEXT * w if t in ctx_words else 0.0
                    for t, w in weights.items()
                )
                / total
            )
            gram_cov = (
                (len(grams & piece.grams) + _CONTEXT * len(grams & (ctx_grams - piece.grams)))
                / len(grams)
                if grams
                else 0.0
            )
            lexical = min(1.0, _WORD * word_cov + _GRAM * gram_cov)
            typed = 0.0
            kind = part.kind
            if kind.headings is not None and kind.headings.search(passage.hit.section):
                typed += _HEADING
            if kind.cues is not None and kind.cues.search(piece.text):
                typed += _CUE
            if part.fact:
                found = supplies(part.fact, piece.text)
                typed += _STATED if found == "stated" else _POINTER if found == "pointer" else 0
            typed += _EXTREME if i in extreme else _SUPERLATIVE if i in limits else 0.0
            rest = _RANK / (passage.rank + 1)
            rest -= _NEUTRAL if verdict == "neutral" else 0.0
            rest -= _LONG if len(piece.text) > 200 else 0.0
            if self.analysis.lang == "en" and not has_cjk(piece.text):
                rest += _SAME_LANGUAGE
            parts.append((lexical, rest, typed))
        # A section or cue of the right type helps a piece that is about the question; it must
        # not lift one that barely shares a word with it (another programme's 时间安排).
        # A passage whose title or section names the asked programme is about it, so its
        # section type counts in full there.
        top = max((p[0] for p in parts), default=0.0) or 1.0
        return [
            Scored(piece, lex + rest + typed * self._type_scale(piece, lex, top), lex)
            for (lex, rest, typed), (piece, _) in zip(parts, candidates, strict=True)
        ]

    def _type_scale(self, piece: Piece, lexical: float, top: float) -> float:
        hit = self.passages[piece.passage].hit
        if self.topics.asked and self.topics.verdict("", f"{hit.title} {hit.section}") == "asked":
            return 1.0
        return min(1.0, 2 * lexical / top)

    # --- choosing ------------------------------------------------------------------------------
    def choose(self, part: Part, scored: list[Scored], taken: set[int]) -> Block | None:
        """The block for ``part``; pieces whose ids are in ``taken`` (quoted for an earlier
        part) are not quoted again."""
        everything = sorted(scored, key=lambda s: s.score, reverse=True)
        ranked = [s for s in everything if id(s.piece) not in taken]
        by_piece = {id(s.piece): s for s in scored}
        # the best answer to this part was already quoted for an earlier one: point there
        # unless something new answers nearly as well
        if (
            everything
            and id(everything[0].piece) in taken
            and everything[0].lexical > 0
            and (not ranked or ranked[0].score < _SECOND_GROUP * everything[0].score)
        ):
            top = everything[0]
            return Block([top.piece], top, [self._group(top.piece)], above=True)
        if not ranked or ranked[0].lexical <= 0:
            return None
        best = ranked[0]
        group = self._group(best.piece)
        pieces, omitted = self._from_group(part, group, best, by_piece)
        block = Block(pieces, best, [group], {group.index: omitted} if omitted else {})
        self._attach(part, block, best, by_piece)
        extra = next((s for s in ranked[1:] if self._adds(part, s, best, block)), None)
        if extra is not None:
            second = self._group(extra.piece)
            more, _ = self._from_group(part, second, extra, by_piece)
            if sum(len(p.text) for p in more) <= _MAX_EXTRA_CHARS:
                block.pieces += [p for p in more if not _repeats(p, block.pieces)]
                block.groups.append(second)
        return block

    def _adds(self, part: Part, other: Scored, best: Scored, block: Block) -> bool:
        """Whether ``other`` opens a second group worth quoting after ``block``: nearly as good,
        about the asked programme, not a repeat, and for a part that wants one fact, holding it;
        when the best group sits under a heading of the part's type, so must the second."""
        group = self._group(other.piece)
        if other.score < _SECOND_GROUP * best.score or group in block.groups:
            return False
        if other.lexical < _SECOND_LEXICAL * best.lexical:  # not only the same type bonuses
            return False
        if _repeats(other.piece, block.pieces):
            return False
        if self.topics.asked and self.verdict(other.piece) != "asked":
            return False
        if part.fact and supplies(part.fact, other.piece.text) != "stated":
            return False
        headings = part.kind.headings
        if headings is not None:
            first = self.passages[best.piece.passage].hit.section
            second = self.passages[other.piece.passage].hit.section
            if headings.search(first) and not headings.search(second):
                return False
        return True

    def _attach(self, part: Part, block: Block, best: Scored, by_piece: dict[int, Scored]) -> None:
        """A list and the sentence that leads into it belong together: "基本条件是：…。再加上下面
        任意一种身份：" followed by the identities. A list brings the paragraph sentence right
        before it when that sentence is about the question too; for a part that wants a list, a
        paragraph ending right before a list brings the list."""
        group = block.groups[0]
        groups = self.passages[group.passage].groups
        before = groups[group.index - 1] if group.index > 0 else None
        after = groups[group.index + 1] if group.index + 1 < len(groups) else None
        if group.kind == "list" and before is not None and before.kind == "paragraph":
            last = before.pieces[-1]
            if (
                last.order == group.pieces[0].order - 1
                and _share(by_piece, last, best) >= _NEIGHBOUR
            ):
                block.pieces.insert(0, last)
                block.groups.insert(0, before)
        elif (
            group.kind == "paragraph"
            and part.listy
            and after is not None
            and after.kind == "list"
            and group.pieces[-1] in block.pieces
        ):
            more, omitted = self._from_group(part, after, best, by_piece)
            block.pieces += more
            block.groups.append(after)
            if omitted:
                block.omitted[after.index] = omitted

    def _group(self, piece: Piece) -> Group:
        return self.passages[piece.passage].groups[piece.group]

    def _from_group(
        self, part: Part, group: Group, best: Scored, by_piece: dict[int, Scored]
    ) -> tuple[list[Piece], int]:
        """The pieces of ``group`` to quote, in order, and how many list items were left out."""
        if group.kind == "paragraph":
            chosen = [best.piece]
            position = group.pieces.index(best.piece)
            for step in (-1, 1):
                i = position + step
                while 0 <= i < len(group.pieces):
                    s = by_piece.get(id(group.pieces[i]))
                    if s is None or s.score < _NEIGHBOUR * best.score:
                        break
                    chosen.append(group.pieces[i])
                    i += step
            return sorted(chosen, key=lambda p: p.order), 0
        items = group.items
        # A list is quoted whole when the part wants a list, or (for a part asking no one fact)
        # when most of its items are about the question; otherwise the relevant items only: a
        # part asking a duration needs the item that states one.
        if part.fact:
            kept = [
                p
                for p in items
                if p is best.piece
                or (
                    _share(by_piece, p, best) >= _KEEP_ITEM
                    and supplies(part.fact, p.text) == "stated"
                )
            ]
            whole = part.listy and group.kind == "list"
        else:
            relevant = [p for p in items if _share(by_piece, p, best) >= _ALSO_ITEM]
            mostly = len(relevant) >= max(3, math.ceil(_MOSTLY * len(items)))
            whole = group.kind == "list" and (part.listy or mostly or best.piece.role == "lead")
            kept = [p for p in items if _share(by_piece, p, best) >= _KEEP_ITEM]
        if whole:
            kept = items
        kept = kept or [best.piece]
        shown: list[Piece] = []
        length = 0
        for p in kept:
            if len(shown) >= _MAX_ITEMS or (shown and length + len(p.text) > _MAX_LIST_CHARS):
                break
            shown.append(p)
            length += len(p.text)
        lead = [group.lead] if group.lead is not None else []
        return [*lead, *shown], len(kept) - len(shown)


def _share(by_piece: dict[int, Scored], piece: Piece, best: Scored) -> float:
    s = by_piece.get(id(piece))
    return 0.0 if s is None or best.score <= 0 else s.score / best.score


def _usable(piece: Piece) -> bool:
    text = piece.text.strip()
    if len(text) < _MIN_CHARS or _NOISE.search(text) or is_instruction_like(text):
        return False
    # a question of the passage's own (a press Q&A's) is not an answer
    return piece.role == "lead" or not text.endswith(("？", "?"))


def _repeats(piece: Piece, pieces: list[Piece]) -> bool:
    for other in pieces:
        if other is piece:
            return True
        a, b = piece.grams, other.grams
        if a and b and len(a & b) / len(a | b) > 0.5:
            return True
    return False
