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
question; otherwise its lead-in and the items that are. A part that wants one thing of the list
(a yes/no, a fact) reads the answering item first, the others after it in order. A paragraph
gives its best sentence and the neighbouring sentences that also answer. One more group may
follow when it answers nearly as well (three quarters of the best score) and is about the asked
programme; nothing else is quoted. Very long lists are cut after a dozen items and say how many
follow.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.chat.analysis import ASK_WEIGHT, ASK_WORDS, LIST_ASK, Part, QuestionAnalysis
from bot.chat.focus import TopicCheck, extreme_positions
from bot.chat.language import has_cjk
from bot.chat.question import supplies
from bot.chat.safety import is_instruction_like
from bot.chat.sentences import bigrams, present, words
from bot.chat.units import Group, Passage, Piece
from bot.errors import ConfigError

# the lexical overlap reported for a piece (a decision feature): words and bigrams
_WORD, _GRAM = 0.6, 0.4
_CONTEXT = 0.5  # a word found only in the title, section or lead-in
_NAME_ONLY = 0.3  # the programme's own name, when the question has only words of asking
_OTHER_PART = 0.3  # a word of another part of a compound question
_CONTEXT_CLAUSE = 0.5  # a word of a clause that asks nothing ("我是往届生，")
# choosing
_ALSO_ITEM = 0.6  # list items scoring this share of the best make the list "about" the question
_KEEP_ITEM = 0.7  # …and are quoted when the list is not quoted whole
_NEIGHBOUR = 0.6  # a neighbouring sentence of the best one is quoted from this share
_MOSTLY = 0.6  # …and a list most of whose items are relevant is quoted whole
_SECOND_GROUP = 0.85  # a second group is quoted from this share of the best score
_SECOND_LEXICAL = 0.9  # …and of its word overlap
_LIST_SHARE = 0.6  # a second list of the asked kind in the same document, from this share
_MAX_ITEMS, _MAX_LIST_CHARS = 12, 900
_MAX_EXTRA_CHARS = 360  # a second group adds at most this much
_MIN_CHARS = 6
_NOISE = re.compile(
    r"^(?:问|记者)[：:]|参考文献|^关键词|^Key ?words|^作者简介|^收稿|^DOI|^基金项目", re.IGNORECASE
)
# "4 协同机制在高校毕业生就业中的实践", "2.1 Background": a heading the loader left in the text
_TITLE_LINE = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\s*[^\d，。；：,.;:！？!?]{2,40}$")
_REFERENCE_SECTION = re.compile(r"来源|依据|参考|出处|references|sources", re.IGNORECASE)


@dataclass
class Scored:
    piece: Piece
    score: float  # the piece model's probability that the piece answers the part
    lexical: float  # word and bigram overlap with the question (0..1)
    features: dict[str, float] = field(default_factory=dict)


PIECE_FEATURES = (
    "word_own", "word_ctx", "gram_own", "gram_ctx", "relative", "heading", "heading_relative",
    "cue", "stated", "pointer", "extreme", "limit", "neutral", "title_topic", "rank", "long",
    "item", "lead", "first", "dense", "en_dense", "same_language", "piece_dense",
    "piece_dense_gap",
)  # fmt: skip
# cosine similarities of the question and each text (the embedding model of the knowledge base)
Similarity = Callable[[str, list[str]], list[float]]
SELECTION_FILE = Path(__file__).with_name("selection.yaml")


class PieceModel:
    """A logistic model of "this piece answers the part" over :data:`PIECE_FEATURES`, its
    weights in ``bot/chat/selection.yaml`` (fitted on dev by ``python -m evals.fit_decision``)."""

    def __init__(self, intercept: float, weights: dict[str, float]) -> None:
        unknown = set(weights) - set(PIECE_FEATURES)
        if unknown:
            raise ValueError(f"unknown piece features {sorted(unknown)}")
        self.intercept = intercept
        self.weights = weights

    @classmethod
    def load(cls, path: Path | None = None) -> PieceModel:
        path = path or SELECTION_FILE
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls(float(raw["intercept"]), {k: float(v) for k, v in raw["weights"].items()})
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as error:
            raise ConfigError(
                f"piece weights {path} cannot be read: {error}",
                message_zh=f"片段打分权重文件 {path} 无法读取：{error}",
            ) from error

    def probability(self, row: dict[str, float]) -> float:
        z = self.intercept + sum(self.weights.get(k, 0.0) * v for k, v in row.items())
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


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

    def __init__(
        self,
        analysis: QuestionAnalysis,
        topics: TopicCheck,
        found: list[Passage],
        model: PieceModel,
        similarity: Similarity | None = None,
    ) -> None:
        self.model = model
        self.similarity = similarity
        self.analysis = analysis
        self.topics = topics
        self.passages = found
        names = [f for t in topics.asked for f in t.forms]
        self.topic_words = {w for f in names for w in words(f)}
        self.topic_grams = {g for f in names for g in bigrams(f)}

    # --- scoring -----------------------------------------------------------------------------
    def weights_for(self, part: Part) -> dict[str, float]:
        """The question's word weights as seen from ``part``: words of the context clauses
        (who the graduate is) count :data:`_CONTEXT_CLAUSE`, words only another part asks
        count :data:`_OTHER_PART`."""
        mine = words(part.text)
        context = words(self.analysis.context) - mine
        others = words(" ".join(p.text for p in self.analysis.parts if p is not part)) - mine
        return {
            t: w * (_OTHER_PART if t in others else _CONTEXT_CLAUSE if t in context else 1.0)
            for t, w in self.analysis.weights.items()
        }

    def content_weights(self, part: Part) -> dict[str, float]:
        """The words that decide among pieces: the question's words the knowledge base uses
        (a word it never uses matches no piece and only says the question may be out of scope),
        without the asked programme's own name when the part asks with words of its own."""
        weights = {
            t: w for t, w in self.weights_for(part).items() if t not in self.analysis.unknown
        }
        mine = words(part.text)
        if any(t in mine and t not in ASK_WORDS and t not in self.topic_words for t in weights):
            return {t: w for t, w in weights.items() if t not in self.topic_words}
        # the part asks only with words of asking ("需要什么材料"): they decide, at full weight,
        # with the programme's name a little behind
        return {
            t: w / ASK_WEIGHT if t in ASK_WORDS else _NAME_ONLY * w if t in self.topic_words else w
            for t, w in weights.items()
        }

    def _asked(self, part: Part) -> str:
        """What the part asks, in the graduate's words (with the programme of the question)."""
        if not self.analysis.compound:
            return self.analysis.text
        names = [t.zh for t in self.topics.asked if not any(f in part.text for f in t.forms)]
        return " ".join([*names, part.text])

    def content_grams(self) -> set[str]:
        grams = self.analysis.grams - self.topic_grams
        return grams if grams else self.analysis.grams

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
        """Every usable piece that is not about another programme, scored for ``part`` by the
        fitted piece model (``selection.yaml``) over :data:`PIECE_FEATURES`."""
        # The asked programme's own words and bigrams say which documents are about it (the
        # topic check's business); among its pieces they favour only those that repeat the
        # name. So the rest of the question decides, when it has content words of its own
        # (not only words of asking, which leave the choice to the part's type).
        weights = self.content_weights(part)
        grams = self.content_grams()
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
        rows: list[dict[str, float]] = []
        lexicals: list[float] = []
        kind = part.kind
        english = self.analysis.lang == "en"
        for i, (piece, verdict) in enumerate(candidates):
            passage = self.passages[piece.passage]
            hit = passage.hit
            group = passage.groups[piece.group]
            lead = group.lead if piece.role in ("item", "row") else None
            ctx_words = passage.context_words | (lead.words if lead else set())
            ctx_grams = passage.context_grams | (lead.grams if lead else set())
            mine = present(weights, piece.words, piece.text)
            context = f"{hit.title} {hit.section} {lead.text if lead else ''}"
            around = present(weights, ctx_words, context) - mine
            word_own = sum(w for t, w in weights.items() if t in mine) / total
            word_ctx = sum(w for t, w in weights.items() if t in around) / total
            gram_own = len(grams & piece.grams) / len(grams) if grams else 0.0
            gram_ctx = len(grams & (ctx_grams - piece.grams)) / len(grams) if grams else 0.0
            own = _WORD * (word_own + _CONTEXT * word_ctx) + _GRAM * (
                gram_own + _CONTEXT * gram_ctx
            )
            lexicals.append(min(1.0, own))
            found = supplies(part.fact, piece.text) if part.fact else ""
            headed = kind.headings is not None and bool(kind.headings.search(hit.section))
            titled = bool(self.topics.asked) and (
                self.topics.verdict("", f"{hit.title} {hit.section}") == "asked"
            )
            rows.append(
                {
                    "word_own": word_own,
                    "word_ctx": word_ctx,
                    "gram_own": gram_own,
                    "gram_ctx": gram_ctx,
                    "heading": float(headed),
                    "cue": float(kind.cues is not None and bool(kind.cues.search(piece.text))),
                    "stated": float(found == "stated"),
                    "pointer": float(found == "pointer"),
                    "extreme": float(i in extreme),
                    "limit": float(i in limits and i not in extreme),
                    "neutral": float(verdict == "neutral"),
                    "title_topic": float(titled),
                    "rank": 1 / (passage.rank + 1),
                    "long": float(len(piece.text) > 200),
                    "item": float(piece.role in ("item", "row")),
                    "lead": float(piece.role in ("lead", "header")),
                    "first": float(piece.order == 1),
                    "dense": _dense_band(hit.dense_score),
                    "en_dense": _dense_band(hit.dense_score) if english else 0.0,
                    "same_language": float(english and not has_cjk(piece.text)),
                }
            )
        top = max(lexicals, default=0.0) or 1.0
        # each piece's own dense similarity to the question, where the knowledge base's model is
        # at hand (pieces are embedded through its cache, so a piece costs once)
        sims = (
            self.similarity(self._asked(part), [p.text for p, _ in candidates])
            if self.similarity is not None and candidates
            else [0.0] * len(candidates)
        )
        best_sim = max(sims, default=0.0)
        out = []
        for row, lexical, sim, (piece, _) in zip(rows, lexicals, sims, candidates, strict=True):
            row["relative"] = lexical / top
            row["heading_relative"] = row["heading"] * row["relative"]
            row["piece_dense"] = _dense_band(sim) if self.similarity is not None else 0.0
            row["piece_dense_gap"] = sim - best_sim
            out.append(Scored(piece, self.model.probability(row), lexical, row))
        return out

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
        # an English question may share no word with a Chinese passage that answers it
        if not ranked or (ranked[0].lexical <= 0 and self.analysis.lang != "en"):
            return None
        if ranked[0].score <= 0:
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
            room = _MAX_LIST_CHARS if part.listy and second.kind == "list" else _MAX_EXTRA_CHARS
            if sum(len(p.text) for p in more) <= room:
                block.pieces += [p for p in more if not _repeats(p, block.pieces)]
                block.groups.append(second)
        return block

    def _adds(self, part: Part, other: Scored, best: Scored, block: Block) -> bool:
        """Whether ``other`` opens a second group worth quoting after ``block``: nearly as good,
        about the asked programme, not a repeat, and for a part that wants one fact, holding it;
        when the best group sits under a heading of the part's type, so must the second."""
        group = self._group(other.piece)
        if group in block.groups or _repeats(other.piece, block.pieces):
            return False
        if part.listy and group.kind == "list" and self._same_kind_list(part, best, other):
            return True  # a second list of the asked kind (the benefits during and after)
        if other.score < _SECOND_GROUP * best.score:
            return False
        if other.lexical < _SECOND_LEXICAL * best.lexical:  # not only the same type bonuses
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

    def _same_kind_list(self, part: Part, best: Scored, other: Scored) -> bool:
        """``other`` sits in another list of the best piece's document, under a heading of the
        part's type, and scores at least :data:`_LIST_SHARE` of the best."""
        first = self.passages[best.piece.passage].hit
        second = self.passages[other.piece.passage].hit
        headings = part.kind.headings
        return (
            first.doc_id == second.doc_id
            and headings is not None
            and bool(headings.search(second.section))
            and other.score >= _LIST_SHARE * best.score
        )

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
        if best.piece in shown and shown[0] is not best.piece and not _wants_order(part):
            # a question that wants one thing of a list (a yes/no, a fact) reads the item that
            # answers it first; the others follow in their order
            shown.remove(best.piece)
            shown.insert(0, best.piece)
        return [*lead, *shown], len(kept) - len(shown)


# …and words that count its kinds ("有几种"): such a part reads a list in the document's order
_COUNTED = re.compile(r"几种|几类|几个|list", re.IGNORECASE)


def _wants_order(part: Part) -> bool:
    """Whether ``part`` asks for the list itself (steps, documents, 有哪些, 几种), so its items
    keep the document's order."""
    return part.kind.ordered or bool(LIST_ASK.search(part.text) or _COUNTED.search(part.text))


def _dense_band(dense: float | None) -> float:
    """A dense cosine mapped onto 0..1 over the band where e5-style scores fall (0.75-0.9)."""
    return 0.0 if dense is None else max(0.0, min(1.0, (dense - 0.75) / 0.15))


def _share(by_piece: dict[int, Scored], piece: Piece, best: Scored) -> float:
    s = by_piece.get(id(piece))
    return 0.0 if s is None or best.score <= 0 else s.score / best.score


def _usable(piece: Piece) -> bool:
    text = piece.text.strip()
    if len(text) < _MIN_CHARS or _NOISE.search(text) or is_instruction_like(text):
        return False
    if piece.role == "sentence" and _TITLE_LINE.match(text):  # a numbered heading in a paper
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
