"""The offline answerer: pick the passage sentences that best answer the question.

No model writes anything: the answer is made of sentences copied from retrieved passages, so
every statement is quoted and cited by construction. Each sentence is scored by query-term
overlap (jieba words weighted by length, CJK bigrams, glossary terms for English questions and
the official names of everyday wording such as 低保户), the passage's dense similarity, a match
with its section heading, and what the question asks for (``bot.chat.question``): its type's
preferred headings (谁可以申请 for "who can apply") and sentence cues, the object of a yes/no
question, and for a superlative (最长, 上限) the sentence stating the extreme limit. A sentence
about another programme than the one asked (``bot.chat.focus``) is never quoted; one naming no
programme counts less. The best ones are de-duplicated, kept to a readable length, list items
brought with their lead-in, and ordered so the best sentence leads (``bot.chat.ordering``).

Evidence is judged twice: an overall score (calibrated on ``evals/datasets``) and hard rules:
a question asking for an amount or a date gets one only when a chosen sentence holds one, and
the programmes it names (入编 → 编制) must be named by the chosen sentences or their passages.
Framing (lead-in, notes, channels) is the coach's job, from prompt files.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.chat.asks import asks_date, asks_money, has_date, has_money, missing
from bot.chat.focus import TopicCheck, extreme_positions
from bot.chat.glossary import Glossary
from bot.chat.ordering import Scored, lead_in, reading_order
from bot.chat.question import asked_object, classify, superlative
from bot.chat.safety import is_instruction_like
from bot.chat.sentences import bigrams, split_sentences, words
from bot.knowledge.models import Hit

logger = logging.getLogger(__name__)

# A question asking for a quantity favours sentences with one (the question type adds its own
# sentence cues and section headings, see ``bot.chat.question``).
_ASKS_NUMBER = re.compile(r"多少|标准|金额|额度|几|how much|how many|amount", re.IGNORECASE)
_NUMBER = re.compile(r"\d|[一二三四五六七八九十百千万]+(?:元|万|年|个|人|倍)|千万|百分之")
_TYPE_CUE = 0.12  # a sentence cue of the question's type (条件, 周岁 for eligibility)
_TYPE_HEADING = 0.25  # a section heading of that type (报名条件, 谁可以申请)
_OBJECT = 0.1  # the passage names what a yes/no question asks for ("有没有补贴": 补贴)
_SUPERLATIVE, _EXTREME = 0.1, 0.3  # a stated limit; the extreme one for 最长/最低
_NEUTRAL = 0.25  # the question names a programme, the sentence's passage names none
_NOISE = re.compile(
    r"^(?:问|记者)[：:]|^\[\d+\]|参考文献|^关键词|^Key ?words|^作者简介|^收稿|^DOI", re.IGNORECASE
)
# Sections listing sources or references: bibliography, not answers.
_REFERENCE_SECTION = re.compile(r"来源|依据|参考|出处|references|sources", re.IGNORECASE)
_REFERENCE_MARK = re.compile(r"\s*\[\d{1,3}(?:\s*[,，\-–]\s*\d{1,3})*\]")
_MIN_CHARS, _MAX_SENTENCE_CHARS = 8, 220
_MARKUP = re.compile(r"^\s*(?:#+\s*|\*\*)|\*\*\s*$")


@dataclass
class Extract:
    """Chosen sentences with ``[n]`` markers that index ``hits`` (1-based), and the evidence."""

    text: str
    hits: list[Hit]
    evidence: float
    missing: str = ""  # what the question asks for that the text lacks (see ``asks.missing``)
    sentences: list[str] = field(default_factory=list)

    @property
    def supported(self) -> bool:
        return bool(self.sentences) and not self.missing


@dataclass
class _Candidate:
    hit_index: int
    position: int
    text: str
    words: set[str]
    grams: set[str]
    context_words: set[str]
    context_grams: set[str]


class ExtractiveAnswerer:
    """Builds an :class:`Extract` from hits; stateless apart from its configuration."""

    def __init__(
        self,
        glossary: Glossary,
        *,
        min_evidence: float,
        max_chars_zh: int = 350,
        max_chars_en: int = 420,
        max_sentences: int = 5,
        expand: Callable[[str], list[str]] | None = None,
    ) -> None:
        self.glossary = glossary
        self.expand = expand
        self.min_evidence = min_evidence
        self.max_chars = {"zh": max_chars_zh, "en": max_chars_en}
        self.max_sentences = max_sentences

    def query_terms(self, query: str) -> tuple[dict[str, float], set[str]]:
        """Weighted words and bigrams of the query (English cue words add Chinese terms)."""
        extra = [t.zh for t in self.glossary.chinese_for(query)]
        extra += [t.zh for t in self.glossary.colloquial_in(query)]  # 低保户 → 低保家庭
        extra += self.expand(query) if self.expand else []
        expanded = query + " " + " ".join(extra)
        weighted = {w: float(min(len(w), 4)) for w in words(expanded)}
        for term in self.glossary.in_chinese(expanded):
            weighted[term.zh.lower()] = 5.0
        return weighted, bigrams(expanded)

    def extract(self, query: str, hits: list[Hit], lang: str) -> Extract:
        """The best sentences of ``hits`` for ``query``; ``evidence`` in 0..1."""
        q_words, q_bigrams = self.query_terms(query)
        wants_money, wants_date = asks_money(query), asks_date(query)
        wants_number = _ASKS_NUMBER.search(query) is not None
        kind = classify(query)
        topics = TopicCheck(self.glossary, query)
        candidates: list[_Candidate] = []
        neutral: set[int] = set()
        for c in self._candidates(hits):
            hit = hits[c.hit_index]
            verdict = topics.verdict(c.text, f"{hit.title} {hit.section}")
            if verdict == "other":  # another programme's rule does not answer this one
                continue
            # a passage naming the asked programme elsewhere is about it (a PDF item that names
            # 一次性求职补贴 once); one naming no programme at all is a general rule
            if verdict == "neutral" and topics.verdict("", hit.text) != "asked":
                neutral.add(len(candidates))
            candidates.append(c)
        extreme, limits = extreme_positions([c.text for c in candidates], superlative(query))
        wanted = words(asked_object(query))  # "有没有补贴": a passage about 补贴 answers it
        # A query word found in most candidate sentences ("毕业生", "就业") tells little about
        # which one answers: its weight shrinks with its share of the candidates.
        n = len(candidates) or 1
        weights = {
            t: w * (0.3 + 0.7 * (1 - sum(t in c.words for c in candidates) / n))
            for t, w in q_words.items()
        }
        total = sum(weights.values()) or 1.0
        parts: list[tuple[float, float, float]] = []  # (lexical, other score, type bonus)
        for i, c in enumerate(candidates):
            hit = hits[c.hit_index]
            heading = bigrams(hit.section)
            heading_bonus = 0.2 * len(heading & q_bigrams) / len(heading) if heading else 0.0
            typed = 0.0  # what the question type asks for; scaled by relevance below
            if kind.headings is not None and kind.headings.search(hit.section):
                typed += _TYPE_HEADING  # 报名条件 answers "who can apply"
            word_cov = (
                sum(
                    w if t in c.words else 0.5 * w if t in c.context_words else 0.0
                    for t, w in weights.items()
                )
                / total
            )
            gram_cov = (
                (len(q_bigrams & c.grams) + 0.5 * len(q_bigrams & (c.context_grams - c.grams)))
                / len(q_bigrams)
                if q_bigrams
                else 0.0
            )
            lexical = min(1.0, 0.6 * word_cov + 0.4 * gram_cov)
            typed += _TYPE_CUE if kind.cues is not None and kind.cues.search(c.text) else 0.0
            typed += _EXTREME if i in extreme else _SUPERLATIVE if i in limits else 0.0
            if wanted and wanted <= c.words | c.context_words:
                typed += _OBJECT
            cue = 0.15 if wants_number and _NUMBER.search(c.text) else 0.0
            cue -= _NEUTRAL if i in neutral else 0.0
            if wants_money and has_money(c.text):
                cue += 0.2
            if wants_date and has_date(c.text):
                cue += 0.2
            length_penalty = 0.1 if len(c.text) > 160 else 0.0
            rank_prior = 0.04 / (c.hit_index + 1)
            dense = 0.2 * _dense_prior(hit.dense_score)
            parts.append(
                (lexical, dense + heading_bonus + cue + rank_prior - length_penalty, typed)
            )
        # A section or cue of the right type helps a sentence that is about the question; it
        # must not lift one that barely shares a word with it (another programme's 时间安排).
        top = max((p[0] for p in parts), default=0.0) or 1.0
        scored = [
            Scored(
                lex + rest + typed * min(1.0, 2 * lex / top), lex, c.hit_index, c.position, c.text
            )
            for (lex, rest, typed), c in zip(parts, candidates, strict=True)
        ]
        chosen = self._choose(scored, lang)
        if not chosen:
            return Extract("", [], 0.0)
        if not topics.asked:
            # A question naming no programme is about the one the best passage is about: a
            # sentence from another programme's guide would answer a different question.
            lead = hits[chosen[0].hit_index]
            inferred = TopicCheck(self.glossary, lead.title)
            if len(inferred.asked) == 1:
                chosen = [
                    s
                    for s in chosen
                    if inferred.verdict(
                        s.text, f"{hits[s.hit_index].title} {hits[s.hit_index].section}"
                    )
                    != "other"
                ]
        best_lexical = max(s.lexical for s in chosen)
        top_dense = max((_dense_prior(hits[s.hit_index].dense_score) for s in chosen), default=0)
        evidence = round(0.75 * best_lexical + 0.25 * top_dense, 4)
        # The asked fact counts only in a sentence about the question's topic (a 1500元 of
        # another subsidy does not answer a question about 就业见习), and every topic the question
        # names (入编 → 编制) must be named by some chosen sentence or its passage: with several
        # topics (考公、考编、国企), fewer than half may be left unnamed.
        about = [f"{s.text} {hits[s.hit_index].title} {hits[s.hit_index].section}" for s in chosen]
        n_asked = len(topics.asked)
        on_topic = [
            s.text
            for s, a in zip(chosen, about, strict=True)
            if not n_asked or len(topics.uncovered([a])) < n_asked
        ]
        uncovered = topics.uncovered(about)
        too_few = 2 * len(uncovered) >= len(topics.asked) > 0
        lacking = "topic" if too_few or not on_topic else missing(query, " ".join(on_topic))
        text = self._compose(chosen, hits)
        used = sorted({s.hit_index for s in chosen})
        if evidence < self.min_evidence or lacking:
            logger.info(
                "evidence %.3f (min %.3f), lacking %r: %s",
                evidence,
                self.min_evidence,
                lacking,
                query,
            )
        return Extract(text, [hits[i] for i in used], evidence, lacking, [s.text for s in chosen])

    @staticmethod
    def _candidates(hits: list[Hit]) -> list[_Candidate]:
        out: list[_Candidate] = []
        for hit_index, hit in enumerate(hits):
            if _REFERENCE_SECTION.search(hit.section):
                continue
            # Title and section words count at half weight: a bullet under "谁可以申请" of the
            # 一次性求职补贴 guide is about that subsidy even if it does not repeat the name.
            context = f"{hit.title} {hit.section}"
            context_words, context_grams = words(context), bigrams(context)
            for position, raw in enumerate(split_sentences(passage_body(hit))):
                # a paper's own reference marks ("等 [2]。") would read as our citation markers
                sentence = _REFERENCE_MARK.sub("", raw)
                if _usable(sentence):
                    out.append(
                        _Candidate(
                            hit_index,
                            position,
                            sentence,
                            words(sentence),
                            bigrams(sentence),
                            context_words,
                            context_grams,
                        )
                    )
        return out

    def _choose(self, scored: list[Scored], lang: str) -> list[Scored]:
        ranked = sorted(scored, key=lambda s: s.score, reverse=True)
        if not ranked or ranked[0].lexical <= 0:
            return []
        floor = 0.55 * ranked[0].score
        chosen: list[Scored] = []
        length = 0
        for item in ranked:
            if item.score < floor or len(chosen) >= self.max_sentences:
                break
            grams = bigrams(item.text)
            if any(_jaccard(grams, bigrams(c.text)) > 0.5 for c in chosen):
                continue
            if chosen and length + len(item.text) > self.max_chars[lang]:
                continue
            chosen.append(item)
            length += len(item.text)
        # A chosen sentence that introduces a list ("…任意一种身份：") brings its items along.
        by_place = {(s.hit_index, s.position): s for s in scored}
        for item in list(chosen):
            if not item.text.endswith(("：", ":")):
                continue
            for step in range(1, 7):
                follower = by_place.get((item.hit_index, item.position + step))
                if follower is None or follower in chosen:
                    break
                chosen.append(follower)
        # A chosen list item brings the sentence that introduces its list ("…任意一种身份：").
        for item in list(chosen):
            intro = lead_in(item, by_place)
            if intro is not None and intro not in chosen:
                chosen.append(intro)
        return reading_order(chosen, ranked[0], lead_in(ranked[0], by_place))

    @staticmethod
    def _compose(chosen: list[Scored], hits: list[Hit]) -> str:
        lines: list[str] = []
        current = -1
        for item in chosen:
            sentence = item.text
            tail = ""
            if sentence[-1] in "。！？；;.!?":
                sentence, tail = sentence[:-1], sentence[-1]
            if tail == "" and sentence[-1] in "：:":
                piece = f"{sentence}"  # the list items that follow carry the citation
            else:
                piece = f"{sentence}[{item.hit_index + 1}]{tail or '。'}"
            if item.hit_index == current:
                lines[-1] += piece
            else:
                lines.append(piece)
                current = item.hit_index
        return "\n".join(lines)


def passage_body(hit: Hit) -> str:
    """The hit's text without its heading lines (chunks open with their section's heading,
    which would otherwise be glued to the first sentence)."""
    headings = {h.strip() for h in [*hit.section_path, hit.title, hit.meta.title] if h.strip()}
    lines = hit.text.splitlines()
    kept = [line for line in lines if _MARKUP.sub("", line).strip() not in headings]
    return "\n".join(kept)


def _usable(sentence: str) -> bool:
    stripped = sentence.strip()
    if len(stripped) < _MIN_CHARS or len(stripped) > _MAX_SENTENCE_CHARS:
        return False
    if _NOISE.search(stripped) or is_instruction_like(stripped):
        return False
    return not stripped.endswith(("？", "?"))


def _dense_prior(dense: float | None) -> float:
    """e5 cosine similarities sit in about 0.7-0.92; map that band onto 0..1."""
    if dense is None:
        return 0.0
    return max(0.0, min(1.0, (dense - 0.75) / 0.15))


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
