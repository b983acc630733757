"""What kind of fact a question asks for: the check that keeps a verified answer to one ask of a
topic ("how much is the subsidy") from being served for another ask of it ("when is it paid").

Two questions on one topic embed close together whatever they ask, so similarity alone cannot
tell them apart. :func:`ask_kinds` names the kinds a question asks (amount, time, duration, age,
procedure, eligibility, definition); a verified answer may serve a question only when every kind
the question asks is one its own questions ask. Cue words written for Chinese and English
questions in general, not for any dataset.
"""

from __future__ import annotations

import re

_KINDS: dict[str, re.Pattern[str]] = {
    "amount": re.compile(
        r"多少钱|多少元|几百|几千|金额|额度|标准是|标准多少|多少(?!岁|年|天|个月|时间)|"
        r"how much|amount|\bsum\b",
        re.IGNORECASE,
    ),
    "time": re.compile(
        r"什么时候|何时|几月|哪个月|哪天|截止|到账|时间是|报名时间|deadline|\bwhen\b",
        re.IGNORECASE,
    ),
    "duration": re.compile(r"几年|多久|多长时间|多少年|服务期|how long", re.IGNORECASE),
    "age": re.compile(r"年龄|多少岁|几岁|\d+\s*岁|\bage\b|how old", re.IGNORECASE),
    "procedure": re.compile(
        r"怎么(?!样)|如何|流程|程序|步骤|手续|材料|在哪|哪里|哪儿|去哪|找谁|办理|"
        r"how (?:do|can|to|should)|\bwhere\b|documents?",
        re.IGNORECASE,
    ),
    "eligibility": re.compile(
        r"哪些人|哪类|什么人|谁能|谁可以|条件|资格|对象|要求|能不能|可不可以|能否|是否可以|"
        r"(?:可以|能)[^，。？?]{0,12}吗|eligible|\bwho\b|\bcan (?:i|we|foreign|international)\b|"
        r"is it possible|\bam i\b",
        re.IGNORECASE,
    ),
    "whether": re.compile(
        r"有没有|有[^，。？?]{0,8}吗|需要[^，。？?]{0,8}吗|是否|会不会|要不要|给不给|"
        r"\b(?:is|are|does|do) there\b|\bdo i (?:need|have)\b",
        re.IGNORECASE,
    ),
    "definition": re.compile(
        r"是什么|什么是|干什么|做什么|是做|考什么|什么内容|包括哪些|哪些岗位|有什么区别|区别|"
        r"what is|what are|what does|difference",
        re.IGNORECASE,
    ),
}


def ask_kinds(question: str) -> frozenset[str]:
    """The kinds of fact ``question`` asks for (empty when none is recognised)."""
    return frozenset(kind for kind, cue in _KINDS.items() if cue.search(question))


def compatible(question: str, answered: list[str]) -> bool:
    """True when every kind ``question`` asks is asked by one of the ``answered`` questions, and
    it asks at least one of theirs when they ask any."""
    asked = ask_kinds(question)
    covered: set[str] = set()
    for text in answered:
        covered |= ask_kinds(text)
    return asked <= covered and (bool(asked & covered) or not covered)
