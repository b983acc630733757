"""Find the numbers in a text and normalise them, for the numbers-in-answer check.

A number is an amount, a date part, a percentage, an age or a count: Arabic digits (``3,000``,
``2.5``, ``50%``) and Chinese numerals followed by a unit (``三年``, ``两万元``, ``百分之五``).
Values are normalised to strings of digits so ``两年`` in an answer matches ``2年`` in a
passage. Written by hand: no maintained library reads Chinese numerals inside running text.
Leaves out ranges as a unit (``3-5年`` is the two numbers 3 and 5) and fractions like 三分之一.
"""

from __future__ import annotations

import re

_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_ARABIC = re.compile(r"(?<![\d.])\d+(?:,\d{3})*(?:\.\d+)?")
_CHINESE = re.compile(
    r"(百分之)([零〇一二两三四五六七八九十百]+)|"
    r"()([零〇一二两三四五六七八九十百千万亿]+)"
    r"(?=(?:周岁|岁|年|个月|月|日|天|元|万|倍|人|名|次|项|所|家|条|批|届|小时|%|％))"
)
# Fixed expressions whose numeral is not a quantity.
_IDIOMS = re.compile(
    r"一次性|一体化|一站式|一对一|一线|一批|第一|统一|之一|进一步|一是|二是|三是|"
    r"四是|五是|一方面|十四五|十五五|一带一路|万一|一些|一定|一起|一直|一般|一流"
)
_MARKER = re.compile(r"\[\d{1,3}\]")
_LIST_NUMBER = re.compile(r"(?m)^\s*(?:\d{1,2}[.、)]|[（(][一二三四五六七八九十\d]{1,3}[)）])")


def chinese_to_int(numeral: str) -> int | None:
    """Value of a Chinese numeral such as ``两万三千`` or ``十五``; None if unreadable."""
    total, section, digit = 0, 0, None
    for char in numeral:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _SMALL_UNITS:
            section += (1 if digit is None else digit) * _SMALL_UNITS[char]
            digit = 0
        elif char in _BIG_UNITS:
            section += digit or 0
            total += max(section, 1) * _BIG_UNITS[char]
            section, digit = 0, 0
        else:
            return None
    return total + section + (digit or 0)


def _normalise_arabic(text: str) -> str:
    value = text.replace(",", "")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value


def numbers_in(text: str) -> set[str]:
    """Normalised numbers of ``text``, without citation markers and list numbering."""
    text = _MARKER.sub(" ", text)
    text = _LIST_NUMBER.sub(" ", text)
    found = {_normalise_arabic(m) for m in _ARABIC.findall(text)}
    cleaned = _IDIOMS.sub(" ", text)
    for match in _CHINESE.finditer(cleaned):
        value = chinese_to_int(match.group(2) or match.group(4))
        if value is not None:
            found.add(str(value))
    return found


def unsupported_numbers(sentence: str, evidence: str, allowed: set[str] | None = None) -> set[str]:
    """Numbers of ``sentence`` found neither in ``evidence`` nor in ``allowed``."""
    known = numbers_in(evidence) | (allowed or set())
    return {n for n in numbers_in(sentence) if n not in known}
