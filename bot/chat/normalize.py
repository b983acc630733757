"""Normalise a graduate's message for matching: full-width forms, traditional characters, spaces.

Graduates type on phones and in many input methods: full-width letters and digits (ＨＢｓＡｇ,
１２３３３), traditional characters (大學畢業生 from Hong Kong, Taiwan or a traditional input
method), stray spaces and repeated punctuation. Matching against the knowledge base, the terms
file and the question patterns works on simplified, NFKC-folded text, so this module produces it
once per message. The graduate's own text is never replaced by it: answers echo what they typed.

Traditional → simplified conversion is OpenCC's ``t2s`` dictionary (the ``opencc`` wheel ships it;
nothing is downloaded). Misspelled programme names (三只一扶) are the terms file's business
(``misspellings``), not this module's.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

_SPACES = re.compile(r"[ \t\u3000]+")
# full-width digits and Latin letters -> ASCII; full-width punctuation (，？：) stays Chinese
_FULL_WIDTH = {
    c: c - 0xFEE0 for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
}
_REPEATED = re.compile(r"([？?！!。，,])\1+")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


@functools.cache
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """``text`` with traditional Chinese characters converted to simplified ones."""
    return str(_converter().convert(text)) if text else text


def normalize_message(text: str) -> str:
    """Simplified, single-spaced ``text`` with full-width letters and digits folded to ASCII.

    Full-width punctuation (，？：) is kept, because Chinese text and the question patterns use
    it; compatibility characters other than letters and digits (ligatures, circled numbers) are
    NFKC-folded. A run of "？？？" becomes one mark, and spaces between two Chinese characters
    (typed by some input methods) are removed.
    """
    folded = "".join(
        ch if ch in "，。？！：；（）、" else unicodedata.normalize("NFKC", ch)
        for ch in text.translate(_FULL_WIDTH)
    )
    simplified = to_simplified(folded)
    simplified = _REPEATED.sub(r"\1", simplified)
    simplified = _CJK_GAP.sub("", simplified)
    return _SPACES.sub(" ", simplified).strip()
