"""Tell whether a message is Chinese or English.

Counts CJK characters against Latin letters; a single CJK character weighs as much as a whole
English word. Other languages are out of scope: they fall back to the configured default.
"""

from __future__ import annotations

import re
from typing import Literal

Lang = Literal["zh", "en"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: str, default: Lang = "zh") -> Lang:
    """``"zh"`` or ``"en"`` for ``text``; ``default`` when neither script is present."""
    cjk = len(_CJK.findall(text))
    runs = len(_CJK_RUN.findall(text))
    words = len(_LATIN_WORD.findall(text))
    if cjk == 0 and words == 0:
        return default
    # "What is 一次性求职补贴?" is English quoting one Chinese term: one CJK run, two words.
    return "zh" if cjk >= 2 * words and runs >= words and cjk > 0 else "en"


def has_cjk(text: str) -> bool:
    """True when ``text`` contains at least one CJK character."""
    return _CJK.search(text) is not None
