"""Answer or abstain, for one question part: the one place this is decided, in both modes.

From the part's chosen block and the question's analysis, :func:`features` computes a few
numbers that say whether the knowledge base answers it:

* ``piece`` — the piece model's probability that the best quoted piece answers the part;
* ``lexical`` — how well the best quoted piece covers the question's content words (those the
  knowledge base uses, without the asked programme's own name);
* ``coverage`` — how much of that word weight the quoted text, its section and title hold;
* ``unknown`` — the share of the question's content words that the knowledge base never uses
  (驾照, 体育馆): what an out-of-scope question looks like even when other words overlap;
* ``absent`` — the share of the content weight found in none of the retrieved passages;
* ``topic`` — 1 when the question names a programme and the quoted passages name it, 0 when they
  do not, 0.5 when it names none;
* ``fact`` — 1 when the part asks no specific fact or the quote states it, 0.5 when the quote
  says who sets it or where it is published (金额由各省规定), 0 when neither;
* ``heading`` — the quoted section's heading is of the part's type;
* ``dense`` — the dense retrieval score of the quoted passage minus the median of the hits, so
  the decision does not rest on one embedding model's cosine band.

:class:`DecisionModel` is a logistic regression over them, its weights in
``bot/chat/decision.yaml``, fitted on the dev halves of the answers datasets by
``python -m evals.fit_decision`` (which writes the file and says what it fitted on). A part is
answered when the probability reaches the file's threshold.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from bot.chat.analysis import ASK_WORDS, Part, QuestionAnalysis
from bot.chat.focus import TopicCheck
from bot.chat.language import has_cjk
from bot.chat.question import supplies
from bot.chat.selection import Block
from bot.chat.sentences import compounds_held, present, words
from bot.chat.units import Passage
from bot.errors import ConfigError
from bot.knowledge.models import Hit

FEATURES = (
    "piece", "lexical", "coverage", "unknown", "absent", "topic", "fact", "heading", "dense"
)  # fmt: skip
DEFAULT_FILE = Path(__file__).with_name("decision.yaml")


class DecisionWeights(BaseModel):
    """The fitted model: an intercept, a weight per feature, the answering threshold."""

    intercept: float
    weights: dict[str, float]
    threshold: float = Field(default=0.5, ge=0, le=1)
    fitted_on: str = ""  # what the weights were fitted on, for whoever reads the file

    def model_post_init(self, _: object) -> None:
        unknown = set(self.weights) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features {sorted(unknown)}; known: {', '.join(FEATURES)}")


@dataclass(frozen=True)
class Decision:
    answered: bool
    probability: float
    features: dict[str, float]


class DecisionModel:
    """Answer/abstain from :func:`features`; see the module docstring."""

    def __init__(self, weights: DecisionWeights) -> None:
        self.weights = weights

    @classmethod
    def load(cls, path: Path | None = None) -> DecisionModel:
        path = path or DEFAULT_FILE
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls(DecisionWeights.model_validate(raw))
        except (OSError, yaml.YAMLError, ValidationError, ValueError) as error:
            raise ConfigError(
                f"decision weights {path} cannot be read: {error}",
                message_zh=f"回答判定权重文件 {path} 无法读取：{error}",
            ) from error

    def probability(self, values: dict[str, float]) -> float:
        w = self.weights
        z = w.intercept + sum(w.weights.get(name, 0.0) * values[name] for name in FEATURES)
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def decide(self, values: dict[str, float]) -> Decision:
        """Answered when the probability reaches the threshold — and never when the part asks
        for a fact (an amount, a date) that the quote neither states nor says who sets, or when
        the question names a programme that the quoted passages do not: such a part is reported
        as missing, with where to ask, whatever else the passage says."""
        p = self.probability(values)
        allowed = values["fact"] > 0 and values["topic"] > 0
        return Decision(p >= self.weights.threshold and allowed, round(p, 4), values)


def features(
    analysis: QuestionAnalysis,
    part: Part,
    block: Block | None,
    found: list[Passage],
    topics: TopicCheck,
    weights: dict[str, float],
) -> dict[str, float]:
    """The decision features of ``part`` answered by ``block`` (all 0 when nothing was chosen);
    ``weights`` are the part's content words (``Selector.content_weights``)."""
    weights = _bridged(weights, block.pieces[0].text if block else _first_text(found), topics)
    total = sum(weights.values()) or 1.0
    content = [w for w in analysis.weights if w not in ASK_WORDS and w not in topic_words(topics)]
    unknown = sum(1 for w in content if w in analysis.unknown) / len(content) if content else 0.0
    everywhere: set[str] = set()
    for passage in found:
        everywhere |= present(weights, passage.context_words, _context(passage))
        for piece in passage.pieces:
            everywhere |= present(weights, piece.words, piece.text)
        whole = " ".join([_context(passage), *(p.text for p in passage.pieces)])
        everywhere |= compounds_held(weights, everywhere, whole)
    absent = sum(w for t, w in weights.items() if t not in everywhere) / total
    if block is None:
        return dict.fromkeys(FEATURES, 0.0) | {"unknown": unknown, "absent": absent}
    quoted = " ".join(p.text for p in block.pieces)
    held: set[str] = set()
    for piece in block.pieces:
        passage = found[piece.passage]
        held |= present(weights, piece.words, piece.text)
        held |= present(weights, passage.context_words, _context(passage))
    block_text = " ".join([quoted, *(_context(found[i]) for i in block.passages)])
    held |= compounds_held(weights, held, block_text)
    coverage = sum(w for t, w in weights.items() if t in held) / total
    hits = [found[i].hit for i in block.passages]
    if topics.asked:
        about = [f"{h.title} {h.section} {h.text}" for h in hits]
        topic = 1.0 if len(topics.uncovered(about)) < len(topics.asked) else 0.0
    else:
        topic = 0.5
    supplied = supplies(part.fact, quoted)
    fact = 1.0 if supplied == "stated" else 0.5 if supplied == "pointer" else 0.0
    if supplied == "pointer" and analysis.regions and not _names_region(hits, analysis.regions):
        # "set by each province" answers how much in general, not how much in the province
        # the graduate named: that figure is not in the knowledge base
        fact = 0.0
    kind = part.kind
    heading = float(
        kind.headings is not None and any(kind.headings.search(h.section) for h in hits)
    )
    scores = [p.hit.dense_score for p in found if p.hit.dense_score is not None]
    mine = [h.dense_score for h in hits if h.dense_score is not None]
    dense = (max(mine) - statistics.median(scores)) * 10 if mine and scores else 0.0
    return {
        "piece": block.best.score,
        "lexical": block.best.lexical,
        "coverage": coverage,
        "unknown": unknown,
        "absent": absent,
        "topic": topic,
        "fact": fact,
        "heading": heading,
        "dense": dense,
    }


def _context(passage: Passage) -> str:
    return f"{passage.hit.title} {passage.hit.section}"


def _first_text(found: list[Passage]) -> str:
    return next((p.text for passage in found for p in passage.pieces), "")


def _bridged(weights: dict[str, float], text: str, topics: TopicCheck) -> dict[str, float]:
    """The words of :func:`_same_script`; when a Chinese passage shares no word's script with
    the question (an English question whose only Chinese words are the asked programme's name,
    which the part's words leave out), the programme's Chinese name: coverage then says whether
    the quote is about the asked programme rather than being 0 for want of a common script."""
    kept = _same_script(weights, text)
    if has_cjk(text) and kept and all(w.isascii() for w in kept):
        names = {w: 1.0 for w in topic_words(topics) if not w.isascii()}
        return names or kept
    return kept


def _same_script(weights: dict[str, float], text: str) -> dict[str, float]:
    """The words written in the script of ``text``: an English question over Chinese passages
    is covered by the Chinese words the glossary added (and a Chinese question over English
    passages by the English ones), not by words no such passage could contain. All words when
    none is in that script."""
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    if not cjk and not latin:
        return weights
    chinese = cjk >= latin / 3  # a Chinese passage may carry a few Latin words (24365, www…)
    kept = {w: v for w, v in weights.items() if w.isascii() != chinese or w.isdigit()}
    return kept or weights


def _names_region(hits: list[Hit], regions: list[str]) -> bool:
    """Some passage is about one of the named provinces (its region, title or text)."""
    from bot.planning.vocabulary import PROVINCES

    forms = {r: [r, PROVINCES.get(r, (r, ""))[0]] for r in regions}
    for hit in hits:
        text = f"{hit.meta.region} {hit.title} {hit.text}"
        if any(f in text for fs in forms.values() for f in fs):
            return True
    return False


def topic_words(topics: TopicCheck) -> set[str]:
    """The words of the asked programmes' names."""
    return {w for t in topics.asked for f in t.forms for w in words(f)}
