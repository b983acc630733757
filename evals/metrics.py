"""Scorers: pure functions from what a system returned to numbers.

Retrieval ranks to hit@k and MRR; answers to abstention precision/recall, citation validity,
numbers supported by cited text and the unsupported-sentence rate; safety and plan outcomes to
shares, precision and recall. Support is judged lexically (CJK character bigrams and Latin words
shared with the cited passage), written by hand because no library scores Chinese citations; an
LLM judge (:mod:`evals.judge`) is the optional, semantic complement. Ratios with an empty
denominator are ``None`` ("not applicable"), never a made-up 0 or 1.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from evals.matching import normalise

# a sentence supports its citation when this share of its tokens occur in the passage
SUPPORT_MIN_OVERLAP = 0.5
# sentences shorter than this (in normalised characters, markers removed) are not judged
MIN_SENTENCE_CHARS = 8

_MARKER = re.compile(r"\[(\d{1,3})\]")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s+|\n+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
_NUMBER = re.compile(r"(?<![\d.])\d+(?:,\d{3})*(?:\.\d+)?")


def share(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to divide."""
    return numerator / denominator if denominator else None


# --- retrieval ------------------------------------------------------------------------------


def hit_at_k(ranks: Sequence[int | None], k: int) -> float | None:
    """Share of cases whose first relevant hit is at rank <= k (ranks are 1-based)."""
    return share(sum(1 for r in ranks if r is not None and r <= k), len(ranks))


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float | None:
    """Mean of 1/rank, counting a miss as 0."""
    return share(0, 0) if not ranks else sum(1 / r for r in ranks if r) / len(ranks)


# --- answers --------------------------------------------------------------------------------


def abstention_scores(outcomes: Iterable[tuple[bool, bool]]) -> dict[str, float | None]:
    """From (answerable, abstained) pairs: precision and recall of abstaining.

    Precision: of the answers that abstained, the share that should have (unanswerable).
    Recall: of the unanswerable cases, the share that abstained.
    """
    pairs = list(outcomes)
    abstained = [answerable for answerable, did in pairs if did]
    unanswerable = [did for answerable, did in pairs if not answerable]
    return {
        "abstention_precision": share(sum(1 for a in abstained if not a), len(abstained)),
        "abstention_recall": share(sum(1 for d in unanswerable if d), len(unanswerable)),
    }


def strip_markers(text: str) -> str:
    return _MARKER.sub("", unicodedata.normalize("NFKC", text))


def sentences(text: str) -> list[str]:
    """Split an answer into sentences (Chinese and English punctuation, line breaks)."""
    folded = unicodedata.normalize("NFKC", text)
    return [s.strip() for s in _SENTENCE_END.split(folded) if s and s.strip()]


def markers(sentence: str) -> list[int]:
    """The citation numbers ``[n]`` a sentence carries."""
    return [int(n) for n in _MARKER.findall(unicodedata.normalize("NFKC", sentence))]


def lexical_tokens(text: str) -> set[str]:
    """CJK character bigrams (single characters for one-character runs) and Latin words."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    tokens = set(_WORD.findall(folded))
    for run in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+", folded):
        if len(run) == 1:
            tokens.add(run)
        tokens.update(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def support(sentence: str, passage: str) -> float:
    """Share of the sentence's lexical tokens that occur in the passage (0..1)."""
    mine = lexical_tokens(strip_markers(sentence))
    if not mine:
        return 1.0
    return len(mine & lexical_tokens(passage)) / len(mine)


def _judged(sentence: str) -> bool:
    body = normalise(strip_markers(sentence))
    return len(body) >= MIN_SENTENCE_CHARS and bool(_CJK.search(body) or _WORD.search(body))


def citation_validity(answer: str, passages: Mapping[int, str]) -> tuple[int, int]:
    """(valid markers, markers): a marker is valid when it names an existing citation whose
    passage lexically supports the sentence carrying it."""
    valid = total = 0
    for sentence in sentences(answer):
        for n in markers(sentence):
            total += 1
            passage = passages.get(n)
            if passage is not None and support(sentence, passage) >= SUPPORT_MIN_OVERLAP:
                valid += 1
    return valid, total


def numbers_in(text: str) -> list[str]:
    """Arabic numbers in a text (citation markers removed), thousands separators dropped."""
    return [n.replace(",", "") for n in _NUMBER.findall(strip_markers(text))]


def numbers_supported(
    answer: str, cited: Sequence[str], question: str = "", fixed: Iterable[str] = ()
) -> tuple[int, int]:
    """(numbers found in cited text, numbers checked). Numbers the question itself contains are
    not checked: repeating them ("资料里没有2026年的日期") invents nothing; nor are ``fixed``
    numbers, those of the product's own fixed wording (the 12333 hotline in a closing line)."""
    asked = set(numbers_in(question)) | set(fixed)
    sources = [normalise(c) for c in cited]
    checked = [n for n in numbers_in(answer) if n not in asked]
    found = 0
    for number in checked:
        pattern = re.compile(rf"(?<![\d.]){re.escape(number)}(?![\d]|\.\d)")
        if any(pattern.search(s) for s in sources):
            found += 1
    return found, len(checked)


def unsupported_sentences(answer: str, passages: Mapping[int, str]) -> tuple[int, int]:
    """(unsupported, judged sentences). A sentence with markers is compared with the passages
    it cites, one without markers with all of them; short connective sentences are not judged."""
    unsupported = judged = 0
    everything = "\n".join(passages.values())
    for sentence in sentences(answer):
        if not _judged(sentence):
            continue
        judged += 1
        cited = [passages[n] for n in markers(sentence) if n in passages]
        best = max((support(sentence, p) for p in cited), default=None)
        if best is None:
            best = support(sentence, everything) if everything else 0.0
        if best < SUPPORT_MIN_OVERLAP:
            unsupported += 1
    return unsupported, judged


def without_framing(answer: str, framing: Iterable[re.Pattern[str]]) -> str:
    """The answer's sentences that match none of the ``framing`` patterns (the product's fixed
    wording), one per line."""
    patterns = list(framing)
    return "\n".join(
        s for s in sentences(answer) if not any(p.fullmatch(s.strip()) for p in patterns)
    )


def _folded_text(text: str) -> str:
    """Markers, whitespace and punctuation removed, NFKC- and case-folded."""
    return "".join(ch for ch in normalise(strip_markers(text)) if ch.isalnum())


def quotes_evidence(answer: str, evidence: Iterable[str], min_bigrams: float = 0.6) -> bool:
    """Does the answer text itself say what an evidence string says? True when one evidence
    string occurs in it ignoring whitespace, punctuation and ``[n]`` markers, or when at least
    ``min_bigrams`` of that string's CJK bigrams occur in it (a quote cut at a clause boundary
    or an "、" list that lost an item still counts)."""
    body = _folded_text(answer)
    grams = lexical_tokens(body)
    for item in evidence:
        wanted = _folded_text(item)
        if not wanted:
            continue
        if wanted in body:
            return True
        cjk = {t for t in lexical_tokens(wanted) if _CJK.match(t)}
        if cjk and len(cjk & grams) / len(cjk) >= min_bigrams:
            return True
    return False


def has_fact(answer: str, fact: str) -> bool:
    """Does the answer text say ``fact`` word for word, ignoring whitespace, punctuation, Markdown
    and ``[n]`` markers? (Key facts are exact substrings of the knowledge base.)"""
    wanted = _folded_text(fact)
    return bool(wanted) and wanted in _folded_text(answer)


def answer_body(answer: str) -> str:
    """The answer without its framing: the opening paragraph when it cites nothing ("根据知识库中的
    《…》：") and part headings (【…】 lines, or short lines ending with a colon and no marker)."""
    paragraphs = [p for p in re.split(r"\n\s*\n", answer.strip()) if p.strip()]
    if len(paragraphs) > 1 and not _MARKER.search(paragraphs[0]):
        paragraphs = paragraphs[1:]
    lines = [
        line
        for line in "\n".join(paragraphs).splitlines()
        if line.strip() and not re.fullmatch(r"\s*【[^】]*】\s*", line)
    ]
    return "\n".join(lines)


def first_sentence(answer: str) -> str:
    """The first sentence of the answer body: up to the first sentence end of the first line
    that cites a passage, with any lead-in lines before it ("再加上下面任意一种身份：")."""
    taken: list[str] = []
    for line in answer_body(answer).splitlines():
        taken.append(line)
        if _MARKER.search(line) or re.search(r"[。！？!?]\s*$", line):
            break
    text = "\n".join(taken)
    end = re.search(r"[。！？!?](?=\s|$|[^\d])", text)
    return text[: end.end()] if end else text


def fact_scores(
    answer: str, key_facts: Sequence[str], lead_facts: Sequence[str]
) -> tuple[int, bool]:
    """(how many key facts the answer holds, whether its first sentence holds a lead fact — any
    key fact when the case names no lead facts)."""
    held = sum(1 for f in key_facts if has_fact(answer, f))
    first = first_sentence(answer)
    leads = lead_facts or key_facts
    return held, any(has_fact(first, f) for f in leads)


# --- plans ----------------------------------------------------------------------------------


def eligibility_counts(
    predicted_eligible: Iterable[str], expected_eligible: Iterable[str], expected_not: Iterable[str]
) -> dict[str, int]:
    """True/false positives and false negatives over the ids a case judged.

    Entries the case says nothing about are ignored, so a catalogue may grow without breaking it.
    """
    predicted, yes, no = set(predicted_eligible), set(expected_eligible), set(expected_not)
    return {
        "tp": len(predicted & yes),
        "fp": len(predicted & no),
        "fn": len(yes - predicted),
    }


def precision_recall(counts: Iterable[Mapping[str, int]]) -> dict[str, float | None]:
    """Micro-averaged precision and recall from :func:`eligibility_counts` results."""
    tp = fp = fn = 0
    for c in counts:
        tp, fp, fn = tp + c["tp"], fp + c["fp"], fn + c["fn"]
    return {"eligibility_precision": share(tp, tp + fp), "eligibility_recall": share(tp, tp + fn)}
