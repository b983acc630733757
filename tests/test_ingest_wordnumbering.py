"""Word number formats rendered as Word shows them."""

from __future__ import annotations

import pytest

from bot.knowledge.wordnumbering import chinese_number, format_number


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"), (100, "一百"),
     (105, "一百零五"), (110, "一百一十"), (999, "九百九十九")],
)  # fmt: skip
def test_chinese_numbers(n: int, text: str) -> None:
    assert chinese_number(n) == text


@pytest.mark.parametrize(
    ("n", "fmt", "text"),
    [(3, "decimal", "3"), (3, "chineseCounting", "三"), (12, "chineseCountingThousand", "十二"),
     (2, "ideographTraditional", "乙"), (3, "decimalEnclosedCircle", "③"),
     (12, "decimalFullWidth", "１２"), (2, "lowerLetter", "b"), (28, "upperLetter", "BB"),
     (4, "lowerRoman", "iv"), (14, "upperRoman", "XIV"), (5, "bullet", "")],
)  # fmt: skip
def test_formats(n: int, fmt: str, text: str) -> None:
    assert format_number(n, fmt) == text
