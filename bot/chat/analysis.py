"""What a question asks, computed once: its parts, their types and facts, its topics and terms.

:func:`analyze` turns a (standalone) question into a :class:`QuestionAnalysis` that every later
step reads — retrieval queries, unit choice, the answer/abstain decision and the wording — so
no step re-guesses what the question wants.

**Parts.** Graduates ask two things at once ("补贴要怎么申领，能发多少？", "服务几年？一个月
多少钱？"). The question is cut into clauses at punctuation and connectives (另外, 还有, and also);
a clause that asks nothing ("我是2024届的，家里是低保户") is context and goes with every part;
asking clauses of the same type and fact merge; what is left are the parts, at most three. Each part
keeps the question's programme (the first part names it, the second often does not).

**Terms.** Content words (jieba, minus stop words and the generic words of asking: 申请, 条件,
多少…, which count a quarter), the official names of everyday wording from the terms file
(低保户 → 低保家庭) and, for English, the Chinese terms its words point to. How much a word tells
is its inverse document frequency in the knowledge base when the retriever can say
(``TermStats``), else its length; a word the knowledge base never uses is "unknown", which is what
an out-of-scope question looks like even when its other words overlap.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.chat.glossary import Glossary, Term
from bot.chat.language import detect_language
from bot.chat.normalize import normalize_message
from bot.chat.question import OTHER, QuestionType, asked_fact, asks, classify, superlative
from bot.chat.sentences import bigrams, words
from bot.planning.vocabulary import CITIES, PROVINCES

# (document frequencies of the words, number of chunks) from the knowledge base
TermStats = Callable[[list[str]], tuple[dict[str, int], int]]

_CLAUSE_END = re.compile(r"(?<=[，,；;？?！!。\n])|(?=另外|还有就是|还有|以及|同时|此外|并且)|"
                         r"(?<=\.)\s+|\s+(?=and also\b|also\b)", re.IGNORECASE)  # fmt: skip
_MAX_PARTS = 3
# words that ask for a list itself ("有哪些条件", "which programmes")
LIST_ASK = re.compile(r"哪些|哪几|有什么|有哪|which|what are", re.IGNORECASE)
# Things a question asks about a programme, which graduates list in one clause
_ASK_NOUN = re.compile(
    r"贴息标准|补贴标准|申请条件|报名条件|申请材料|申请流程|办理流程|额度|金额|标准|期限|年限|利率|"
    r"利息|贴息|条件|要求|材料|流程|步骤|时间|待遇|对象|服务期|年龄"
)
_ENUMERATION = re.compile(
    rf"^(?P<head>.*?)(?P<list>(?:{_ASK_NOUN.pattern})(?:\s*(?:、|和|及|以及|与|还有|跟)\s*"
    rf"(?:{_ASK_NOUN.pattern}))+)(?P<tail>.*)$"
)
# Generic words of asking: they say what kind of answer is wanted, not what it is about.
ASK_WORDS = frozenset(
    [
        "申请",
        "申领",
        "报名",
        "办理",
        "条件",
        "要求",
        "资格",
        "材料",
        "流程",
        "步骤",
        "手续",
        "多少",
        "多少钱",
        "钱",
        "时间",
        "时候",
        "什么时候",
        "需要",
        "怎么样",
        "具体",
        "一下",
        "请问",
        "想问",
        "问问",
        "知道",
        "了解",
        "咨询",
        "规定",
        "国家",
        "政策",
        "相关",
        "情况",
        "问题",
        "哪里",
        "哪儿",
        "标准",
        "金额",
        "可以",
        "能否",
        "是否",
        "有没有",
        "有",
        "领",
        "拿",
        "发",
        "给",
        "办",
        "去",
        "找",
        "做",
        "用",
        "吗",
        "呢",
        "啊",
        "呀",
        "吧",
        "么",
        "嘛",
        "几年",
        "多久",
        "多长",
        "多长时间",
        "一个月",
        "每月",
        "每个月",
        "一年",
        "每年",
        "几月",
        "几个月",
        "几天",
        "最长",
        "最多",
        "最高",
        "最低",
        "发给",
        "发放给",
        "补贴多少",
        "能领",
        "怎么办",
        "办法",
        "apply",
        "application",
        "requirements",
        "conditions",
        "documents",
        "need",
        "needed",
        "much",
        "many",
        "when",
        "where",
        "long",
        "get",
        "know",
        "want",
    ]
)
# Everyday function words graduates type that no policy text uses (they are not "unknown").
_COLLOQUIAL_FILLER = frozenset(
    "咋 啥 咋样 咋办 俺 咱 咱们 哦 哈 嗯 啦 滴 哇 呗 木有 没啥 么样".split()  # noqa: SIM905
    # hedges say how sure the graduate wants the answer, not what it is about
    + "一般 通常 大概 大约 大致 一般来说 通常来说 往往 平时 大多".split()  # noqa: SIM905
    # …or how the graduate feels about asking, or when they happened to hear of it
    + "到底 究竟 真的 其实 听说 据说 好像 感觉 觉得 打算 目前 现在 最近 一直".split()  # noqa: SIM905
    + "有点 比较 特别 非常 麻烦 谢谢 请教 求助".split()  # noqa: SIM905
)
ASK_WEIGHT = 0.25
# asking verbs graduates use for the one policy texts use (申领 a subsidy is 申请 it)
_ASK_SYNONYMS = {"申领": "申请", "领取": "申请", "申办": "申请", "报考": "报名"}


@dataclass(frozen=True)
class Part:
    """One thing the question asks."""

    text: str  # the asking clause(s), as normalised
    kind: QuestionType
    fact: str  # asked_fact kind or ""
    superlative: str  # "max", "min" or ""

    @property
    def listy(self) -> bool:
        return self.kind.listy or bool(LIST_ASK.search(self.text))


@dataclass
class QuestionAnalysis:
    """Everything later steps need to know about one question."""

    original: str  # as the graduate typed it (after condensing)
    text: str  # normalised: simplified, full-width folded
    lang: str
    topics: list[Term]  # programmes and subjects the question names
    context: str  # clauses that ask nothing (who the graduate is)
    parts: list[Part]
    regions: list[str] = field(default_factory=list)  # provinces and cities named (short names)
    weights: dict[str, float] = field(default_factory=dict)  # content word -> weight
    unknown: set[str] = field(default_factory=set)  # content words the knowledge base never uses
    grams: set[str] = field(default_factory=set)

    @property
    def compound(self) -> bool:
        return len(self.parts) > 1

    def query_for(self, part: Part) -> str:
        """The retrieval query of one part: for a compound question the programme, the context
        and the part alone; then the heading words of the part's type, so the section that
        answers this part comes back."""
        if self.compound:
            names = [t.zh for t in self.topics if not any(f in part.text for f in t.forms)]
            base = " ".join(p for p in [*names, self.context, part.text] if p)
        else:
            base = self.text
        extra = [w for w in part.kind.search_words.split() if w not in base]
        return " ".join([base, *extra]).strip()


def analyze(
    question: str,
    glossary: Glossary,
    *,
    lang: str | None = None,
    stats: TermStats | None = None,
    expand: Callable[[str], list[str]] | None = None,
) -> QuestionAnalysis:
    """The :class:`QuestionAnalysis` of ``question``; see the module docstring."""
    text = normalize_message(question)
    language = lang or detect_language(text)
    context, parts = _parts(text)
    topics = glossary.topics_in(text) + [
        t for t in glossary.chinese_for(text) if t.topic and t not in glossary.topics_in(text)
    ]
    weights, unknown = _weights(text, glossary, stats, expand)
    extra = " ".join(t.zh for t in glossary.colloquial_in(text) + glossary.chinese_for(text))
    return QuestionAnalysis(
        original=question,
        text=text,
        lang=language,
        topics=topics,
        context=context,
        parts=parts,
        regions=regions_in(text),
        weights=weights,
        unknown=unknown,
        grams=bigrams(f"{text} {extra}"),
    )


def regions_in(text: str) -> list[str]:
    """The provinces named in ``text`` (by short or full name, or by one of their major cities),
    as short province names."""
    found: list[str] = []
    names = {**{s: s for s in PROVINCES}, **{full: s for s, (full, _) in PROVINCES.items()}}
    names |= CITIES
    lowered = text.lower()
    english = {en.lower(): s for s, (_, en) in PROVINCES.items()}
    for name, province in [*names.items(), *english.items()]:
        hit = re.search(rf"\b{re.escape(name)}\b", lowered) if name.isascii() else name in text
        if hit and province not in found:
            found.append(province)
    return found


def _parts(text: str) -> tuple[str, list[Part]]:
    clauses = [c.strip(" ，,；;。") for c in _CLAUSE_END.split(text)]
    clauses = [e for c in clauses if c and re.search(r"\w", c) for e in _enumerated(c)]
    context: list[str] = []
    groups: list[list[str]] = []
    for clause in clauses:
        if not asks(clause):
            context.append(clause)
            continue
        key = (classify(clause).name, asked_fact(clause))
        same = next((g for g in groups if _key(" ".join(g)) == key), None)
        # a clause of no particular type ("能行吗") belongs with the part before it
        if same is None and key == (OTHER.name, "") and groups:
            same = groups[-1]
        if same is None:
            groups.append([clause])
        else:
            same.append(clause)
    if not groups:  # a statement with no asking word: the whole text is the one part
        groups, context = [[text]], []
    if len(groups) > _MAX_PARTS:
        groups = [*groups[: _MAX_PARTS - 1], [c for g in groups[_MAX_PARTS - 1 :] for c in g]]
    # a lone generic part beside typed ones adds nothing: fold it into the first typed part
    typed = [g for g in groups if _key(" ".join(g)) != (OTHER.name, "")]
    if typed and len(typed) < len(groups):
        for g in groups:
            if g not in typed:
                typed[0].extend(g)
        groups = typed
    parts = []
    for g in groups:
        joined = "，".join(g)
        parts.append(Part(joined, classify(joined), asked_fact(joined), superlative(joined)))
    return "，".join(context), parts


def _enumerated(clause: str) -> list[str]:
    """A clause asking for several things of one subject, one clause each: "贷款的额度、期限和
    贴息标准是多少" → "贷款的额度是多少", "贷款的期限是多少", "贷款的贴息标准是多少"."""
    match = _ENUMERATION.match(clause)
    if not match:
        return [clause]
    nouns = _ASK_NOUN.findall(match["list"])
    return [f"{match['head']}{noun}{match['tail']}" for noun in nouns]


def _key(text: str) -> tuple[str, str]:
    return classify(text).name, asked_fact(text)


def _weights(
    text: str,
    glossary: Glossary,
    stats: TermStats | None,
    expand: Callable[[str], list[str]] | None,
) -> tuple[dict[str, float], set[str]]:
    """Content words with their weights, and those the knowledge base never uses."""
    extra = [t.zh for t in glossary.chinese_for(text)]
    extra += [t.zh for t in glossary.colloquial_in(text)]  # 低保户 → 低保家庭
    extra += expand(text) if expand else []
    extra += [plain for asked, plain in _ASK_SYNONYMS.items() if asked in text]
    expanded = text + " " + " ".join(extra)
    found = {
        w for w in words(expanded) if w not in _COLLOQUIAL_FILLER and (len(w) > 1 or w.isdigit())
    }
    term_names = {t.zh.lower() for t in glossary.in_chinese(expanded)}
    # the everyday forms a term maps, and the official names added for them: a name the
    # documents write differently (大学生征兵 for 当兵) is no sign the question is out of scope
    mapped = {form for t in glossary.colloquial_in(text) for form in t.colloquial}
    mapped |= {w for t in glossary.named_in(expanded) for f in t.forms for w in words(f)}
    mapped |= {f.lower() for t in glossary.named_in(expanded) for f in t.forms}
    frequencies, size = stats(sorted(found)) if stats else ({}, 0)
    weights: dict[str, float] = {}
    unknown: set[str] = set()
    for word in found:
        if size:
            df = frequencies.get(word, 0)
            weight = math.log(1 + size / (df + 1)) / math.log(1 + size)
            if df == 0 and word not in mapped and word not in ASK_WORDS and not word.isascii():
                unknown.add(word)
        else:
            weight = min(len(word), 4) / 4
        if word in term_names:
            weight = max(weight, 1.0)
        if word in ASK_WORDS:
            weight *= ASK_WEIGHT
        weights[word] = weight
    return weights, unknown
