"""The post-generation check: every ``[n]`` must be supported, every number must be cited.

For each sentence of an answer: each marker ``[n]`` must name a retrieved passage whose text
supports the sentence; an unsupported marker is moved to the best-supporting passage or dropped.
Every number in the sentence must appear in a passage the sentence cites (or that it can be
re-attached to); otherwise the sentence is removed. Markers are then renumbered 1..k in order of
first use and only the passages used become citations.

Support is a hand-written lexical measure (no model): the share of the sentence's CJK bigrams
and words found in the passage, plus, for English sentences about Chinese passages, the
glossary terms and numbers they share. It catches wrong and invented citations; it cannot judge
a faithful paraphrase that shares no words with its source.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from bot.chat.glossary import Glossary
from bot.chat.language import has_cjk
from bot.chat.models import Citation
from bot.chat.numbers import numbers_in, unsupported_numbers
from bot.chat.sentences import bigrams, markers_in, split_sentences, strip_markers, words
from bot.chat.sources import citation_of
from bot.knowledge.models import Hit

logger = logging.getLogger(__name__)

SUPPORT_THRESHOLD = 0.3
_MARKER = re.compile(r"\s*\[\d{1,3}\]")
_PREFIX = re.compile(r"^(\s*(?:[-*•]|\d{1,2}[.、)])\s+)")


@dataclass
class CheckResult:
    """The checked text, its citations and what the check changed."""

    text: str
    citations: list[Citation]
    hits: list[Hit]  # the cited hits, in citation order
    repairs: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def support(sentence: str, passage: str, glossary: Glossary | None = None) -> float:
    """How well ``passage`` supports ``sentence``, from 0 to 1 (lexical overlap)."""
    body = strip_markers(sentence)
    if has_cjk(body):
        grams = bigrams(body)
        if not grams:
            return 0.0
        shared = len(grams & bigrams(passage)) / len(grams)
        return shared
    features = 0
    matched = 0
    passage_words = words(passage)
    for word in words(body):
        if len(word) > 3:
            features += 1
            matched += word in passage_words
    if glossary is not None:
        for term in glossary.chinese_for(body):
            features += 2
            matched += 2 if term.zh in passage else 0
    sentence_numbers = numbers_in(body)
    features += 2 * len(sentence_numbers)
    matched += 2 * len(sentence_numbers & numbers_in(passage))
    return matched / features if features else 0.0


def check_answer(
    text: str,
    hits: list[Hit],
    *,
    allowed_numbers: set[str] | None = None,
    glossary: Glossary | None = None,
    threshold: float = SUPPORT_THRESHOLD,
) -> CheckResult:
    """Check ``text`` whose markers ``[n]`` refer to ``hits[n-1]``; see the module docstring."""
    repairs: list[str] = []
    dropped: list[str] = []
    order: list[int] = []  # hit indexes in order of first use
    lines_out: list[str] = []
    for line in text.split("\n"):
        prefix_match = _PREFIX.match(line)
        prefix = prefix_match.group(1) if prefix_match else ""
        kept: list[str] = []
        cites: list[list[int]] = []
        for sentence in split_sentences(line[len(prefix) :]) if line.strip() else []:
            checked = _check_sentence(
                sentence, hits, allowed_numbers or set(), glossary, threshold, repairs
            )
            if checked is None:
                dropped.append(sentence)
                continue
            body, cited = checked
            for index in cited:
                if index not in order:
                    order.append(index)
            end = re.search(r"[。.！!？?；;]+$", body)
            punctuation = end.group(0) if end else ""
            body = body[: len(body) - len(punctuation)]
            kept.append(body + "[[]]" + punctuation)
            cites.append(cited)
        # the clauses of one line citing the same passage carry its marker once, at the end
        same = len(cites) > 1 and all(c == cites[-1] for c in cites)
        kept = [
            k.replace("[[]]", "" if same and i < len(kept) - 1 else "".join(f"[[{n}]]" for n in c))
            for i, (k, c) in enumerate(zip(kept, cites, strict=True))
        ]
        if kept or not line.strip():
            joiner = "" if has_cjk("".join(kept)) else " "
            lines_out.append(prefix + joiner.join(kept) if kept else "")
    renumber = {index: n for n, index in enumerate(order, start=1)}
    joined = "\n".join(lines_out).strip()
    joined = re.sub(r"\n{3,}", "\n\n", joined)
    final = re.sub(r"\[\[(\d+)\]\]", lambda m: f"[{renumber[int(m.group(1))]}]", joined)
    cited_hits = [hits[i] for i in order]
    citations = [citation_of(n, hit) for n, hit in enumerate(cited_hits, start=1)]
    return CheckResult(final, citations, cited_hits, repairs, dropped)


def _check_sentence(
    sentence: str,
    hits: list[Hit],
    allowed: set[str],
    glossary: Glossary | None,
    threshold: float,
    repairs: list[str],
) -> tuple[str, list[int]] | None:
    """(sentence without markers, indexes of supporting hits) or None to drop it."""
    body = _MARKER.sub("", sentence).strip()
    scores = [support(body, hit.text, glossary) for hit in hits]
    cited: list[int] = []
    for n in markers_in(sentence):
        index = n - 1
        if 0 <= index < len(hits) and scores[index] >= threshold:
            if index not in cited:
                cited.append(index)
            continue
        best = max(range(len(hits)), key=lambda i: scores[i], default=None)
        if best is not None and scores[best] >= threshold and best not in cited:
            cited.append(best)
            repairs.append(f"[{n}] -> [{best + 1}]: {body[:40]}")
        else:
            repairs.append(f"[{n}] dropped: {body[:40]}")
    wanted = numbers_in(body) - allowed
    if wanted:
        evidence = "\n".join(hits[i].text for i in cited)
        if unsupported_numbers(body, evidence, allowed):
            # Re-attach to a passage holding every number, if one supports the sentence.
            holders = [
                i
                for i in range(len(hits))
                if not unsupported_numbers(body, hits[i].text, allowed) and scores[i] >= threshold
            ]
            if not holders:
                logger.info("dropping sentence with uncited numbers: %s", body[:60])
                return None
            cited.append(max(holders, key=lambda i: scores[i]))
            repairs.append(f"numbers re-cited to [{cited[-1] + 1}]: {body[:40]}")
    return body, cited
