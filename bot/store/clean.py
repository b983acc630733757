"""Text made storable on every database: no NUL characters, no lone UTF-16 surrogates.

PostgreSQL refuses NUL in ``text`` and lone surrogates in ``json`` (and a driver error there used
to end the request with a 500); SQLite stores them but nothing downstream can use them. A NUL is
dropped (no one types it), a lone surrogate becomes U+FFFD (the usual replacement character).
Paired surrogates never reach here: Python decodes them into one character. The API cleans
its input with the same functions, so what is stored is what was validated.
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` without NUL characters and with lone surrogates replaced by U+FFFD."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return _SURROGATE.sub("\ufffd", text)


def clean_deep(value: Any) -> Any:
    """:func:`clean_text` on every string of a JSON-like value (keys included)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_deep(k): clean_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_deep(v) for v in value]
    return value
