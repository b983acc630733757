"""What kind of answer a question (or one part of it) wants, and what fact it asks for.

A question part is given one type, the first that matches in a fixed order: ``procedure`` (怎么
申请, how do I apply), ``materials`` (要什么材料), ``eligibility`` (谁可以, 条件, 我…可以吗),
``amount`` (多少钱, 利率), ``duration`` (多久, 几年), ``time`` (什么时候, 截止), ``contact``
(电话, 官网, 在哪查), ``benefits`` (待遇, 优待), ``definition`` (是什么) or ``other``. Each type
names the section headings that usually hold its answer (报名条件 → eligibility), a few heading
words added to the retrieval query so those sections come back, sentence cues, and whether its
answer is naturally a list (who qualifies, the steps, the documents) that is quoted whole.

Some parts are only answered by a specific kind of fact: "补贴多少钱" needs an amount or a rule
saying who sets it, "几月份报名" a month, "服务几年" a duration, "在哪个体育馆举行" a venue.
:func:`asked_fact` names it and :func:`supplies` says whether a text states it (``"stated"``),
says who decides it or where it is published (``"pointer"``: 金额由各省规定, 以当年公告为准 — the
honest answer when no national figure exists) or neither.

Hand-written Chinese and English patterns of general question wording; they leave out numbers
written as English words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE
_YES_NO = r"[^，。？?]{0,10}(?:吗|么)|有没有|能不能|可不可以|算不算|是不是|能否|是否"


@dataclass(frozen=True)
class QuestionType:
    """A kind of question: how to spot it, where its answer sits, what its sentences say."""

    name: str
    question: re.Pattern[str]
    headings: re.Pattern[str] | None = None  # section headings that usually answer it
    search_words: str = ""  # added to the retrieval query (Chinese heading words)
    cues: re.Pattern[str] | None = None  # words of sentences that answer it
    listy: bool = False  # its answer is naturally a whole list or procedure
    ordered: bool = False  # …whose items are read in the document's order (steps, documents)


TYPES = [
    QuestionType(
        "procedure",
        re.compile(
            r"怎么(?:样才能|才能)?(?:申请|办|报名|报|领|登记|操作|参加|申领|弄|进行|去)|"
            r"如何(?:申请|办理|报名|领取|登记|参加|申领|进行)|怎样(?:申请|办理|报名|领取)|流程|"
            r"步骤|手续|程序|(?:去|在|到)哪(?:里|儿)?(?:办|申请|报名|登记|做|领)|"
            r"how (?:do|can|should|would) (?:i|we|you|one) (?:apply|register|sign up|get|join|"
            r"enrol|enroll)|how to (?:apply|register|join|get)|procedure|process|steps",
            _I,
        ),
        re.compile(
            r"怎么(?:申请|报名|登记|办理|办)|如何|流程|步骤|申请方式|办理|程序|how to apply"
        ),
        "怎么申请 流程",
        re.compile(r"申请|办理|提交|登录|向|审核|流程|平台|报名|按照|经|通过|填写|留意|登记"),
        listy=True,
        ordered=True,
    ),
    QuestionType(
        "materials",
        re.compile(
            r"材料|证明|准备(?:什么|哪些|啥)|带(?:什么|哪些|啥)|提交(?:什么|哪些|啥)|证件|"
            r"documents|paperwork|materials|what do i need to (?:bring|submit|prepare)",
            _I,
        ),
        re.compile(r"材料|证明|怎么申请|documents"),
        "申请材料",
        re.compile(r"材料|证明|证书|身份证|表|协议|合同|证"),
        listy=True,
        ordered=True,
    ),
    QuestionType(
        "eligibility",
        re.compile(
            r"谁可以|谁能|哪些人|什么人|条件|资格|对象|门槛|限制|要求|符合|够不够|什么(?:才)?算|"
            r"(?:能|可以|可不可以|能不能)(?:申请|报名|报考|参加|领|享受|去|考)|"
            rf"(?:我|本人|我家|家里|孩子|他|她)[^？?]{{0,24}}(?:{_YES_NO})|"
            r"who (?:can|may|is eligible|qualifies)|eligib|qualif|requirement|age limit|"
            r"can (?:i|we|international|foreign|graduates?)\b",
            _I,
        ),
        re.compile(
            r"条件|谁可以|谁能|资格|(?:申请|招募|适用|服务|帮扶)?对象$|适用范围|要求$|"
            r"who can|eligib|requirement"
        ),
        "谁可以申请 条件",
        re.compile(
            r"条件|对象|符合|应当|具有|未就业|困难|家庭|毕业生|年度|持有|年龄|周岁|以下|以内|"
            r"可以申请|可申请|可以报名|可以参加|均可|属于|must|eligible|required"
        ),
        listy=True,
    ),
    QuestionType(
        "amount",
        re.compile(
            r"多少钱|多少元|金额|额度|标准是|补贴标准|能领多少|能贷多少|补贴多少|贷多少|给多少|"
            r"发多少|利率|利息|贴息|工资|薪资|薪水|月薪|收入|多少补贴|补助多少|"
            r"how much|amount|stipend|salary|interest rate|pay\b",
            _I,
        ),
        re.compile(r"能得到|待遇|标准|金额|多少|额度|贴息|利率"),
        "标准 能得到什么",
        re.compile(r"元|补贴|补助|工资|薪|标准|金额|费|贴息|利率|百分之|分之|额度|奖励|资助"),
    ),
    QuestionType(
        "duration",
        re.compile(r"多久|多长时间|多长|几年|多少年|期限|有效期|服务期|how long", _I),
        re.compile(r"服务期|期限|时间|待遇"),
        "期限",
        re.compile(r"\d+\s*(?:年|个月|月|天)|[一二两三四五六七八九十]+(?:年|个月)|期限|以内"),
    ),
    QuestionType(
        "time",
        re.compile(
            r"什么时候|何时|几月|哪个月|截止|日期|哪年|哪天|啥时候|时间安排|"
            r"when\b|deadline|what date|which month",
            _I,
        ),
        re.compile(r"时间|日程|安排|时间线|when"),
        "时间安排",
        re.compile(r"\d+年|\d+月|\d+日|[一二三四五六七八九十]+月|期间|之前|以内|开始|春|秋|季"),
    ),
    QuestionType(
        "contact",
        re.compile(
            r"电话|热线|官网|网站|网址|联系|咨询(?:哪|谁|什么)|找谁|问谁|哪里(?:查|看|问|咨询)|"
            r"去哪(?:里|儿)?(?:查|看|问|咨询)|什么平台|哪个平台|入口|公众号|"
            r"phone|hotline|website|contact|who (?:do|should) i (?:ask|call)|where (?:can|do) i "
            r"(?:find|check|ask)",
            _I,
        ),
        re.compile(r"官方渠道|渠道|平台|联系|咨询|where to ask|contacts?"),
        "官方渠道",
        re.compile(r"热线|网站|平台|www\.|\d{5}|电话|公众号|中心|部门|website|hotline"),
    ),
    QuestionType(
        "benefits",
        re.compile(
            r"待遇|优待|优惠|好处|福利|有什么用|能得到什么|有什么政策|加分|保留|"
            r"benefit|perks|advantage",
            _I,
        ),
        re.compile(r"能得到|待遇|优待|服务期满|政策|benefit"),
        "待遇 优待",
        re.compile(r"给予|享受|优待|优先|资助|补贴|减免|加分|保留|可以"),
        listy=True,
    ),
    QuestionType(
        "definition",
        re.compile(
            r"是什么|是啥|是干嘛|干什么用|做什么的|干嘛用|指的是|什么意思|啥意思|全称|介绍一下|"
            r"什么是|什么叫|何为|何谓|"
            r"what is|what's|what are|what does .{1,30} mean",
            _I,
        ),
        re.compile(r"是什么|简介|概述|介绍|what is"),
        "是什么",
        re.compile(r"简称|全称|是指|指的是|是一项|是一种|是由|is a|refers to"),
    ),
]
OTHER = QuestionType("other", re.compile(r"(?!)"))
BY_NAME = {t.name: t for t in [*TYPES, OTHER]}

# Words that say a clause asks something at all (as opposed to giving context: "我是应届生").
ASKING = re.compile(
    r"[?？]|[吗呢嘛么]\s*$|怎么|怎样|如何|什么|啥|哪|多少|几|是否|能否|能不能|可不可以|可以吗|有没有|"
    r"要不要|需不需要|会不会|算不算|是不是|咋|请问|想问|想知道|求问|"
    r"\b(?:how|what|which|when|where|who|whom|why|can|could|do|does|is|are|should|will|may)\b",
    _I,
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

# --- asked facts ----------------------------------------------------------------------------
_NUMERAL = r"(?:\d[\d,.]*|[零〇一二两三四五六七八九十百千万]+)"
_UNIT_WORDS = "个|位|名|人|页|岁|周岁|次|分|门|条|项|所|家|批|届|篇|轮"
_FACTS: list[tuple[str, re.Pattern[str], re.Pattern[str]]] = [
    (
        "amount",
        re.compile(
            r"多少钱|多少元|补贴多少|能领多少|能贷多少|贷多少|给多少|发多少|最高.{0,4}多少|金额|额度|"
            r"补助标准|补贴标准|利率|利息.{0,4}多少|多少.{0,6}(?:补贴|钱|工资|薪|费)|"
            r"(?:补贴|工资|薪|起薪|费用?)[^，。？?]{0,6}多少|how much|stipend|amount|salary|"
            r"interest rate",
            _I,
        ),
        re.compile(
            r"\d[\d,.]*\s*(?:元|万元|万|%|％|yuan|rmb)|[一二两三四五六七八九十百千万]+元|百分之|分之|"
            r"LPR|贴息",
            _I,
        ),
    ),
    (
        "duration",
        re.compile(r"多久|多长时间|多少年|几年|几个月|期限多长|how long", _I),
        re.compile(
            rf"{_NUMERAL}\s*(?:年|个月|月|周|天|日|小时|years?|months?|weeks?|days?)|"
            r"到\s*\d{4}\s*年|\d{4}\s*年(?:前|底|以前)|半年|一年|两年|三年",
            _I,
        ),
    ),
    (
        "day",
        re.compile(
            r"哪天|哪一天|几号|几月几[日号]|具体日期|截止日期|截止日|最晚.{0,4}(?:哪天|几号)|"
            r"what date|which day|exact date",
            _I,
        ),
        re.compile(r"\d{1,2}\s*[日号]|\d{1,2}\s*月\s*\d{1,2}|[一二三四五六七八九十]+[日号]", _I),
    ),
    (
        "date",
        re.compile(
            r"截止|几月|哪个月|什么时候|啥时候|何时|哪天|哪一天|日期|deadline|"
            r"when (?:is|do|can|does|will|should)|what date|which month",
            _I,
        ),
        re.compile(
            r"\d{1,2}\s*月|\d{1,2}\s*日|\d{4}\s*年\s*\d|[一二三四五六七八九十]{1,3}月|"
            r"[春夏秋冬]季|春招|秋招|上半年|下半年|学期|毕业(?:前|后|年度|学年)|"
            r"january|february|march|april|may|june|july|august|september|october|november|"
            r"december|spring|autumn|summer|winter",
            _I,
        ),
    ),
    (
        "count",
        re.compile(rf"(?<!哪)(?:多少|几)\s*(?:{_UNIT_WORDS})", _I),
        re.compile(rf"{_NUMERAL}\s*(?:{_UNIT_WORDS})", _I),
    ),
    (
        "number",
        re.compile(r"how many|what (?:number|percentage)", _I),
        re.compile(
            r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|hundred|thousand|"
            r"million)\b|[一二两三四五六七八九十百千万亿]+\s*(?:个|位|名|人|万|亿|家|所|项)",
            _I,
        ),
    ),
    (
        "venue",
        re.compile(
            r"(?:哪个|哪家|哪座|哪里|哪儿|什么地方|何地|在哪).{0,8}(?:举行|举办|召开|开展)|"
            r"在哪(?:个|座)?(?:体育馆|礼堂|教室|会场|场馆|校区|楼|馆)|地点在哪|"
            r"where (?:is|are|will|does|do)\b.{0,60}\b(?:held|take place|located)",
            _I,
        ),
        re.compile(
            r"地点|地址|位于|在.{1,12}(?:体育馆|礼堂|会堂|大厅|报告厅|教室|会场|场馆|校区|广场|楼)|"
            r"\bvenue\b|held (?:at|in) the",
            _I,
        ),
    ),
]
# A rule about who sets a figure or where it is published: an honest answer when the national
# documents fix none ("金额由各省规定", "以当年招募公告为准", "标准见全国征兵网").
POINTER = re.compile(
    r"由(?:各省|各地|省级|当地|地方|各级|本省|县级|市级|各市|用人单位|招录机关|学校|双方)"
    r"[^，。；]{0,10}(?:规定|确定|制定|决定|公布|明确|发布)|"
    r"以[^，。；]{0,18}为准|各地(?:不同|不一|有差异|标准不一)|因地而异|不统一|"
    r"(?:参照|参考)[^，。；]{0,16}(?:水平|标准|执行)|(?:见|看|查询|登录)[^，。；]{0,16}"
    r"(?:通知|公告|官网|网站|网|平台)|财政贴息|"
    r"set by (?:each|the|local)|varies by|depends on|check (?:the|your) (?:local|latest)",
    _I,
)


def asked_fact(text: str) -> str:
    """The kind of fact ``text`` asks for: amount, duration, day (a day of the month), date (a
    month or season will do), count (a number with the asked unit), number (English "how many"),
    venue or ``""``."""
    for name, asks, _ in _FACTS:
        if asks.search(text):
            return name
    return ""


# What a pointer must be about to point to the asked fact: "金额由各省规定" answers how much,
# "当年标准见全国征兵网" does not answer when.
_POINTER_SUBJECT = {
    "amount": re.compile(
        r"金额|标准|额度|多少|补贴|补助|费|工资|收入|薪|利率|利息|贴息|amount|pay", _I
    ),
    "date": re.compile(r"时间|日期|安排|通知|公告|具体|when|date|schedule", _I),
    "day": re.compile(r"时间|日期|安排|通知|公告|具体|when|date|schedule", _I),
    "duration": re.compile(r"期限|时间|年限|期|how long|period", _I),
}
_CLAUSE = re.compile(r"[^，。；;,.!?！？]+")


def supplies(fact: str, text: str) -> str:
    """``"stated"`` when ``text`` holds a fact of kind ``fact``, ``"pointer"`` when a clause of
    it (with the clause before, which may name the subject) says who sets that kind of fact or
    where it is published, else ``""``. Any text supplies the empty fact."""
    if not fact:
        return "stated"
    states = next(has for name, _, has in _FACTS if name == fact)
    if states.search(text):
        return "stated"
    subject = _POINTER_SUBJECT.get(fact)
    if subject is None:
        return ""
    clauses = _CLAUSE.findall(text)
    for i, clause in enumerate(clauses):  # the subject may stand in the clause before
        if POINTER.search(clause) and subject.search(" ".join(clauses[max(0, i - 1) : i + 1])):
            return "pointer"
    return ""


def classify(question: str) -> QuestionType:
    """The question's type: the first of :data:`TYPES` whose pattern matches, else ``OTHER``."""
    for kind in TYPES:
        if kind.question.search(question):
            return kind
    return OTHER


def asks(clause: str) -> bool:
    """True when ``clause`` asks something (rather than giving context)."""
    return bool(ASKING.search(clause)) or classify(clause) is not OTHER or bool(asked_fact(clause))


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
