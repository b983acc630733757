"""What kind of answer a question wants: its type, the sections that answer it, superlatives.

A question is given one type, the first that matches in a fixed order: ``procedure`` (怎么申请,
how do I apply), ``eligibility`` (谁可以, 条件, 我家是低保户…有没有补贴, who can apply), ``amount``,
``time``, ``materials``, ``benefits`` (待遇, 优待), ``definition`` (是什么) or ``other``. "Who can
apply" is eligibility even though it says "apply": the procedure patterns need a how-word. Each
type names the section headings that usually hold its answer (报名条件, 谁可以申请 → eligibility),
a few words added to the retrieval query so those sections come back, and sentence cues.

A superlative (最长, 最多, 最高, 上限, at most; 最低, 至少) asks for the extreme value of a limit:
:func:`limit_values` reads "不超过六个月" or "最高可贷300万元" as (value, unit class) so the
answerer can favour the sentence holding the largest (or smallest) one.

Hand-written Chinese and English patterns; they leave out questions that mix two types (the
first match wins) and numbers written as words in English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.chat.glossary import Glossary
from bot.knowledge.models import Hit

_I = re.IGNORECASE
_YES_NO = r"[^，。？?]{0,10}(?:吗|么)|有没有|能不能|可不可以|算不算|是不是"


@dataclass(frozen=True)
class QuestionType:
    """A kind of question: how to spot it, where its answer sits, what its sentences say."""

    name: str
    question: re.Pattern[str]
    headings: re.Pattern[str] | None = None  # section headings that usually answer it
    search_words: str = ""  # added to the retrieval query (Chinese heading words)
    cues: re.Pattern[str] | None = None  # words of sentences that answer it


TYPES = [
    QuestionType(
        "procedure",
        re.compile(
            r"怎么(?:申请|办|报名|报|领|登记|操作|参加)|如何(?:申请|办理|报名|领取|登记|参加)|流程|"
            r"步骤|手续|(?:去|在)哪(?:里|儿)?(?:办|申请|报名|登记|做)|"
            r"how (?:do|can|should) (?:i|we|you) (?:apply|register|sign up|get|join)|"
            r"how to (?:apply|register|join)|procedure|process",
            _I,
        ),
        re.compile(r"怎么(?:申请|报名|登记|办理|办)|如何|流程|步骤|申请方式|办理|程序"),
        "怎么申请 流程",
        re.compile(r"申请|办理|提交|登录|向|审核|流程|平台|报名|按照|经|通过|填写|留意|登记"),
    ),
    QuestionType(
        "eligibility",
        re.compile(
            r"谁可以|谁能|哪些人|什么人|条件|资格|对象|门槛|限制|要求|"
            r"(?:能|可以)(?:申请|报名|报考|参加|领|享受)[^，。？?]{0,8}(?:吗|么)|"
            rf"(?:我|本人|我家|家里|孩子)[^？?]{{0,20}}(?:{_YES_NO})|"
            r"who (?:can|may|is eligible|qualifies)|eligib|qualif|requirement|age limit",
            _I,
        ),
        re.compile(r"条件|谁可以|谁能|资格|(?:申请|招募|适用|服务|帮扶)?对象$|适用范围|要求$"),
        "谁可以申请 条件",
        re.compile(
            r"条件|对象|符合|应当|具有|未就业|困难|家庭|毕业生|年度|持有|年龄|周岁|以下|以内|"
            r"可以申请|可申请|可以报名|可以参加|均可|属于"
        ),
    ),
    QuestionType(
        "amount",
        re.compile(r"多少钱|金额|额度|标准|能领多少|能贷多少|补贴多少|how much|amount|stipend", _I),
        re.compile(r"能得到|待遇|标准|金额|多少|额度"),
        "标准 能得到什么",
        re.compile(r"\d|[一二三四五六七八九十百千万]+(?:元|万|年|个|人|倍)|千万|百分之"),
    ),
    QuestionType(
        "time",
        re.compile(r"什么时候|何时|几月|截止|日期|哪年|when|deadline|what date", _I),
        re.compile(r"时间|日程|安排|时间线"),
        "时间安排",
        re.compile(r"\d+年|\d+月|\d+日|[一二三四五六七八九十]+月|期间|之前|以内|开始"),
    ),
    QuestionType(
        "materials",
        re.compile(r"材料|证明|准备什么|带什么|documents|paperwork|materials", _I),
        re.compile(r"材料|证明|怎么申请"),
        "申请材料",
        re.compile(r"材料|证明|证书|身份证|表|协议|合同"),
    ),
    QuestionType(
        "benefits",
        re.compile(r"待遇|优待|优惠|好处|福利|有什么用|能得到什么|benefit|perks", _I),
        re.compile(r"能得到|待遇|优待|服务期满|政策"),
        "待遇 优待",
        re.compile(r"给予|享受|优待|优先|资助|补贴|减免|加分|保留|可以"),
    ),
    QuestionType(
        "definition",
        re.compile(
            r"是什么|是干嘛|干什么用|做什么的|干嘛用|指的是|全称|what is|what's|what are", _I
        ),
        re.compile(r"是什么|简介|概述|介绍"),
        "是什么",
        re.compile(r"简称|全称|是指|指的是|是一项|是一种|是由"),
    ),
]
OTHER = QuestionType("other", re.compile(r"(?!)"))

_OBJECT = re.compile(
    r"有没有([^，。？?吗]{1,8})|"
    r"(?:能不能|可不可以|能|可以)(?:领|申请|享受|拿|参加|报名|报考|办)([^，。？?吗]{1,8})(?:吗|[？?]|$)|"
    r"有([^，。？?吗]{1,6})吗"
)
_SUPERLATIVE_MAX = re.compile(r"最长|最多|最高|最大|上限|at most|maximum|longest|highest", _I)
_SUPERLATIVE_MIN = re.compile(r"最少|最低|最短|最小|下限|至少|minimum|lowest|at least|shortest", _I)
_NUM = r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)"
_UNIT = r"(个月|月|年|周|天|日|万元|万|亿元|亿|元|%|％)"
_LIMIT = re.compile(
    r"(?:不超过|不得超过|不高于|最长|最多|最高|上限|至多|可达|最低|不低于|至少|最少|最短|下限)"
    rf"[^，。；;\d零〇一二两三四五六七八九十百千]{{0,6}}{_NUM}\s*{_UNIT}"
    rf"|{_NUM}\s*{_UNIT}(?:以内|以下|封顶)"
)
_DIGIT = dict(zip("零〇一二两三四五六七八九", [0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9], strict=True))
_SCALE = {"十": 10, "百": 100, "千": 1000}
# unit -> (class, factor): durations in months, money in yuan
_UNITS = {
    "个月": ("duration", 1.0),
    "月": ("duration", 1.0),
    "年": ("duration", 12.0),
    "周": ("duration", 0.25),
    "天": ("duration", 1 / 30),
    "日": ("duration", 1 / 30),
    "元": ("money", 1.0),
    "万元": ("money", 1e4),
    "万": ("money", 1e4),
    "亿元": ("money", 1e8),
    "亿": ("money", 1e8),
    "%": ("share", 1.0),
    "％": ("share", 1.0),
}


def retrieval_query(query: str, glossary: Glossary) -> str:
    """``query`` with the official names of its everyday wording (低保户 → 低保家庭) and the
    heading words of its question type (谁可以申请 条件), so the dense search, which sees no
    glossary, also finds the section that answers it."""
    extra = [t.zh for t in glossary.colloquial_in(query) if t.zh not in query]
    extra += [w for w in classify(query).search_words.split() if w not in query]
    return " ".join([query, *extra])


def asked_object(question: str) -> str:
    """What a yes/no question asks to have or do: "有没有补贴" → 补贴, "能参加就业见习吗" →
    就业见习; ``""`` for other questions."""
    match = _OBJECT.search(question)
    return next((g for g in match.groups() if g), "") if match else ""


def prefer_sections(hits: list[Hit], question: str, k: int) -> list[Hit]:
    """The first ``k`` hits, where the last gives way to the best of the rest whose section
    heading answers the question's type (报名条件 for "who can apply") when none of the first
    ``k`` has such a heading: a guide's five other sections must not crowd out the one asked."""
    kind = classify(question)
    top = hits[:k]
    if kind.headings is None or any(kind.headings.search(h.section) for h in top):
        return top
    spare = [h for h in hits[k:] if kind.headings.search(h.section)]
    return [*top[: k - 1], spare[0]] if spare and k > 0 else top


def classify(question: str) -> QuestionType:
    """The question's type: the first of :data:`TYPES` whose pattern matches, else ``OTHER``."""
    for kind in TYPES:
        if kind.question.search(question):
            return kind
    return OTHER


def superlative(question: str) -> str:
    """``"max"`` for 最长/最多/最高/上限…, ``"min"`` for 最低/至少…, else ``""``."""
    if _SUPERLATIVE_MAX.search(question):
        return "max"
    if _SUPERLATIVE_MIN.search(question):
        return "min"
    return ""


def limit_values(sentence: str) -> list[tuple[str, float]]:
    """(unit class, value) of each limit the sentence states ("不超过六个月" → duration 6)."""
    found = []
    for match in _LIMIT.finditer(sentence):
        number, unit = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
        value = _number(number)
        if value is not None:
            kind, factor = _UNITS[unit]
            found.append((kind, value * factor))
    return found


def _number(text: str) -> float | None:
    """Arabic digits or a small Chinese numeral (up to the thousands)."""
    if text[0].isdigit():
        return float(text)
    total, digit = 0, 0
    for char in text:
        if char in _DIGIT:
            digit = _DIGIT[char]
        elif char in _SCALE:
            total += (digit or 1) * _SCALE[char]
            digit = 0
        else:
            return None
    return float(total + digit)
