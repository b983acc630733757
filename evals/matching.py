"""Does a retrieved text contain the evidence? Text normalisation for every comparison.

Evidence is matched after NFKC folding, case folding and removal of *all* whitespace on both
sides, so PDF line breaks and the spaces pypdf puts between CJK characters and digits
(``4 月 8 日``) do not matter. Fuzzy or semantic matching is deliberately left out: a case passes
only when the exact words are there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC, casefold, and drop every whitespace character."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


def contains_evidence(text: str, evidence: Iterable[str]) -> bool:
    """True when any evidence string appears in ``text`` (normalised)."""
    haystack = normalise(text)
    return any(normalise(e) in haystack for e in evidence if normalise(e))


def first_relevant_rank(texts: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first text containing evidence, or None when none does."""
    for rank, text in enumerate(texts, start=1):
        if contains_evidence(text, evidence):
            return rank
    return None
