"""What a question asks for, and whether a quoted text supplies it.

Some questions are only answered by a specific kind of fact: "补贴多少钱" needs an amount,
"几月份报名" a month, "国家线是多少分" a score, "简历写几页" a page count, "利率多少" a rate,
"招聘会在哪个体育馆举行" a venue. A passage on the right topic that lacks that fact is near the
question but does not answer it, so the offline answerer abstains (and shows it as nearby text).
:func:`missing` names the first kind of fact the question wants and the text does not hold.

Hand-written patterns for Chinese and English; they leave out everything a question may ask that
is not a number, a date or a place (a yes/no question is judged by the evidence score alone).
"""

from __future__ import annotations

import re

_NUMERAL = r"(?:\d[\d,.]*|[零〇一二两三四五六七八九十百千万]+)"
_ASKS_RATE = re.compile(r"利率|利息.{0,4}多少|interest rate", re.IGNORECASE)
_RATE = re.compile(r"\d+(?:\.\d+)?\s*[%％]|百分之|个百分点|LPR", re.IGNORECASE)
_ASKS_MONEY = re.compile(
    r"多少钱|多少元|补贴多少|能领多少|能贷多少|贷多少|最高.{0,4}多少|金额|额度|补助标准|补贴标准|"
    r"多少.{0,6}(?:补贴|钱|工资|薪|费)|(?:补贴|工资|薪|起薪|费用?)[^，。？?]{0,6}多少|"
    r"how much|stipend|amount|salary",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"\d[\d,.]*\s*(?:元|万元|万|%|％|yuan|rmb)|[一二两三四五六七八九十百千万]+元|百分之",
    re.IGNORECASE,
)
_ASKS_DATE = re.compile(
    r"截止|几月|哪个月|什么时候|何时|哪天|哪一天|日期|deadline|when (?:is|do|can|does|will)|"
    r"what date|which month",
    re.IGNORECASE,
)
_DATE = re.compile(r"\d{1,2}\s*月|\d{1,2}\s*日|\d{4}\s*年\s*\d|[一二三四五六七八九十]{1,3}月")
# "几页" / "多少分" / "几个部分": the answer needs a number with that unit.
_UNIT_WORDS = "个|位|名|人|页|岁|周岁|年|天|次|分|门|条|项|所|家|批|届|小时|周|倍|篇|轮"
_ASKS_COUNT = re.compile(rf"(?<!哪)(?:多少|几)\s*({_UNIT_WORDS})")  # 哪几个: which ones
_ASKS_DURATION = re.compile(r"多久|多长时间|多少年|几年|how long", re.IGNORECASE)
_DURATION = re.compile(
    rf"{_NUMERAL}\s*(?:年|个月|月|周|天|日|小时|years?|months?|weeks?|days?)|到\s*\d{{4}}\s*年|"
    r"\d{4}\s*年(?:前|底|以前)|(?:半年|一年|两年)",
    re.IGNORECASE,
)
_ASKS_NUMBER_EN = re.compile(r"how many|how much|what (?:number|percentage)", re.IGNORECASE)
_ANY_NUMBER = re.compile(
    rf"\d|[一二两三四五六七八九十百千万]+\s*(?:{_UNIT_WORDS}|元|万|亿)|千万|百万"
)
# Where an event takes place: the answer needs a venue, not a website.
_ASKS_VENUE = re.compile(
    r"(?:哪个|哪家|哪座|哪里|哪儿|什么地方|何地|在哪).{0,8}(?:举行|举办|召开|开展)|"
    r"在哪(?:个|座)?(?:体育馆|礼堂|教室|会场|场馆|校区|楼|馆)|地点在哪|"
    r"where (?:is|are|will|does|do)\b.{0,60}\b(?:held|take place|located)",
    re.IGNORECASE,
)
_VENUE = re.compile(
    r"地点|地址|位于|在.{1,12}(?:体育馆|礼堂|会堂|大厅|报告厅|教室|会场|场馆|校区|广场|楼)|"
    r"\bvenue\b|held (?:at|in) the",
    re.IGNORECASE,
)


def missing(question: str, text: str) -> str:
    """The kind of fact ``question`` asks for that ``text`` lacks, or ``""``.

    Kinds: ``amount`` (money or a rate), ``date``, ``count`` (a number with the asked unit),
    ``duration``, ``number`` (English "how many"), ``venue``.
    """
    if _ASKS_RATE.search(question) and not _RATE.search(text):
        return "amount"
    if _ASKS_MONEY.search(question) and not _MONEY.search(text):
        return "amount"
    if _ASKS_DATE.search(question) and not _DATE.search(text):
        return "date"
    count = _ASKS_COUNT.search(question)
    if count and not re.search(rf"{_NUMERAL}\s*{count.group(1)}", text):
        return "count"
    if _ASKS_DURATION.search(question) and not _DURATION.search(text):
        return "duration"
    if _ASKS_NUMBER_EN.search(question) and not _ANY_NUMBER.search(text):
        return "number"
    if _ASKS_VENUE.search(question) and not _VENUE.search(text):
        return "venue"
    return ""


def asks_money(question: str) -> bool:
    return _ASKS_MONEY.search(question) is not None


def asks_date(question: str) -> bool:
    return _ASKS_DATE.search(question) is not None


def has_money(sentence: str) -> bool:
    return _MONEY.search(sentence) is not None


def has_date(sentence: str) -> bool:
    return _DATE.search(sentence) is not None
