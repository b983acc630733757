"""A profile from free text: keyword rules offline, a chat model when one is given.

:func:`profile_from_text` reads Chinese or English descriptions such as "本科会计专业，甘肃人，
家里是低保户，想回老家工作" and fills only what the text says (education, major and
discipline, home and target provinces from the list of provinces and major cities,
circumstances including colloquial words like 低保户/贫困户/建档立卡, graduation year, age,
preferred paths, nationality, whether and how they work now). With a chat model the model's
JSON answer is validated and laid over the rule-based profile; if the model fails the rules
stand. It does not guess: nothing in the text, nothing in the profile.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from pathlib import Path
from typing import Any

from bot.planning import vocabulary as vocab
from bot.planning.profile import Profile
from bot.terms import load_terms

log = logging.getLogger(__name__)

_EDUCATION = [  # checked in order; the first match wins
    ("phd", r"博士(?:生|研究生|在读|毕业|学位)|读博|博[一二三四五]|\bph\.?d\b|doctoral"),
    ("master", r"硕士|研究生(?:在读|毕业)|研[一二三]|(?<!考)(?<!读)研究生|\bmaster|\bmsc\b"),
    ("zhuanke", r"专科|大专|高职|职业技术学院|associate degree|vocational college|junior college"),
    ("bachelor", r"本科|大[一二三四]|学士|bachelor|undergraduate"),
]


# Paths and circumstances are read with the one vocabulary (knowledge/terms.yaml): every way a
# graduate names a term with a ``path`` or ``circumstance`` code points to that code.
def _patterns(field: str, order: list[str]) -> dict[str, str]:
    """code -> one pattern of every form, cue and profile word of the terms with that code."""
    alternatives: dict[str, list[str]] = {}
    for term in load_terms().terms:
        code = getattr(term, field)
        if not code:
            continue
        forms = [re.escape(f) for f in [*term.forms, *term.profile_words] if not f.isascii()]
        forms += [rf"(?<![a-z]){re.escape(c)}(?![a-z])" for c in term.cues]
        # an English profile word is a word start ("disab": disabled, disability)
        forms += [rf"(?<![a-z]){re.escape(w)}" for w in term.profile_words if w.isascii()]
        alternatives.setdefault(code, []).extend(forms)
    return {code: "|".join(alternatives[code]) for code in order if code in alternatives}


def _codes(patterns: dict[str, str], text: str) -> list[str]:
    """The codes whose pattern matches ``text``, leaving out a code all of whose matches lie
    inside a longer match of another code (低保 inside 低保边缘)."""
    spans = {
        code: [m.span() for m in re.finditer(pattern, text, flags=re.IGNORECASE)]
        for code, pattern in patterns.items()
    }
    spans = {code: found for code, found in spans.items() if found}

    def inside(span: tuple[int, int], code: str) -> bool:
        return any(
            o[0] <= span[0] and span[1] <= o[1] and o[1] - o[0] > span[1] - span[0]
            for other, found in spans.items()
            if other != code
            for o in found
        )

    return [code for code, found in spans.items() if not all(inside(s, code) for s in found)]


_CIRCUMSTANCE_ORDER = [
    "dibao_edge", "dibao", "poverty_alleviated", "zero_employment", "extreme_poverty",
    "disability", "student_loan", "veteran",
]  # fmt: skip
_NO_CIRCUMSTANCES = (
    r"无特殊情况|没有特殊(?:情况|困难)|家庭情况(?:一般|正常)|没有困难|none of (?:these|them)"
)

_DISCIPLINE = [
    ("arts", r"美术|艺术|设计|音乐|舞蹈|动画|播音|表演|摄影|\bart\b|design|music"),
    ("medicine", r"医学|临床|护理|药学|中医|口腔|medic|nursing|pharma"),
    ("education", r"师范|教育|学前|education"),
    (
        "engineering",
        r"计算机|软件|电子|通信|机械|土木|自动化|电气|人工智能|\bai\b|工程|"
        r"computer|software|engineering|electrical",
    ),
    ("management", r"会计|财务|管理|市场营销|人力资源|物流|accounting|management|business"),
    ("economics", r"经济|金融|财政|国际贸易|economics|finance"),
    ("law", r"法学|法律|社会学|政治|\blaw\b"),
    ("agriculture", r"农学|林学|园艺|畜牧|兽医|agricultur"),
    ("science", r"数学|物理|化学|生物|统计|地理|math|physics|chemistry|biology|statistics"),
    ("literature", r"中文|汉语言|新闻|英语|外语|翻译|literature|journalism|english"),
    ("history", r"历史|考古|history"),
    ("philosophy", r"哲学|philosophy"),
]

_COUNTRIES = (
    r"pakistan|india|russia|korea|japan|nigeria|kazakhstan|vietnam|thailand|"
    r"indonesia|bangladesh|nepal|mongolia|egypt|ghana|kenya|laos|cambodia|malaysia|"
    r"france|germany|italy|spain|brazil|mexico|the (?:us|uk|usa)|america|britain|canada"
)

# Work now, as opposed to a wish ("想做自由职业" is a path): a word saying it is the present.
_FLEXIBLE_NOW = (
    r"(?:正在|目前|现在|已经|在)(?:做|跑|打|当|搞)?(?:灵活就业|自由职业|零工|外卖|网约车|自媒体|个体)|"
    r"灵活就业人员|i(?:'m| am) (?:a )?freelanc|i(?:'m| am) (?:doing )?(?:gig|freelance) work"
)
_EMPLOYER_NOW = (
    r"(?<!想)(?<!希望)(?:已经?|目前|现在|正)在\S{0,8}?(?:上班|工作)|已(?:经)?(?:上班|入职|工作了)|"
    r"i have a (?:full-time )?job|i work (?:at|for)|i(?:'m| am) working (?:at|for)"
)
_OWN_INSURANCE = (
    r"自己(?:交|缴)(?:纳)?(?:的)?社保|以灵活就业人员身份(?:参保|缴)|pay (?:my|for my) own "
    r"(?:social )?insurance"
)
_NO_INSURANCE = r"没(?:有)?(?:交|缴)(?:纳)?社保|(?:don'?t|do not) pay (?:any )?social insurance"

_CN_NUMBERS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "半": 0}


def _find(pattern: str, text: str) -> re.Match[str] | None:
    return re.search(pattern, text, flags=re.IGNORECASE)


def _places(text: str) -> list[tuple[int, str, str]]:
    """(position, surface form, province) for every province or major city mentioned."""
    names = {**{s: s for s in vocab.PROVINCES}, **vocab.CITIES}
    names |= {full: s for s, (full, _) in vocab.PROVINCES.items()}
    names |= {en: s for s, (_, en) in vocab.PROVINCES.items()}
    found: list[tuple[int, str, str]] = []
    for surface, province in names.items():
        flags = re.IGNORECASE if surface.isascii() else 0
        pattern = rf"\b{surface}\b" if surface.isascii() else re.escape(surface)
        found.extend((m.start(), surface, province) for m in re.finditer(pattern, text, flags))
    found.sort()
    kept: list[tuple[int, str, str]] = []
    for item in found:  # drop a short name inside a longer one (甘肃 inside 甘肃省)
        if kept and item[0] < kept[-1][0] + len(kept[-1][1]):
            continue
        kept.append(item)
    return kept


_HOME_BEFORE = r"(?:老家(?:是|在)?|来自|家在|户籍(?:是|在)?|户口(?:是|在)?|生源地(?:是|在)?|from )$"
_HOME_AFTER = r"^(?:省|市)?(?:人|籍|生源|户口|户籍|老家)"
_TARGET_BEFORE = r"(?:去|到|在|留在|回|想去|work in|move to|in )$"


def _regions(text: str, data: dict[str, Any]) -> None:
    home: str | None = None
    targets: list[str] = []
    for start, surface, province in _places(text):
        before = text[max(0, start - 6) : start]
        after = text[start + len(surface) : start + len(surface) + 3]
        if re.search(_HOME_BEFORE, before, re.IGNORECASE) or re.match(_HOME_AFTER, after):
            home = home or province
        elif re.search(_TARGET_BEFORE, before, re.IGNORECASE) or "工作" in after or "发展" in after:
            targets.append(province)
        elif home is None:
            home = province
        else:
            targets.append(province)
    if home:
        data["home_province"] = home
    if home and _find(
        r"回老家|回家乡|回到家乡|回生源地|go back home|return home|my hometown", text
    ):
        targets.insert(0, home)
    if targets:
        data["target_regions"] = list(dict.fromkeys(targets))


def _graduation(text: str, today: date, data: dict[str, Any]) -> None:
    if m := _find(
        r"(20\d\d)\s*(?:年|届)|(?:class of|graduat\w* in|graduat\w* \w+ in) (20\d\d)", text
    ):
        data["graduation_date"] = date(int(m[1] or m[2]), 6, 30)
    elif m := _find(r"(?<!\d)(\d\d)届", text):
        data["graduation_date"] = date(2000 + int(m[1]), 6, 30)
    elif m := _find(
        r"毕业(?:了|已经|已)?\s*([一两二三四五\d])\s*年|([一两二三四五\d])\s*年前毕业|"
        r"graduated (\w+) years? ago|(\w+) years? (?:out|since graduat)",
        text,
    ):
        raw = next(g for g in m.groups() if g)
        words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "a": 1}
        years = int(raw) if raw.isdigit() else _CN_NUMBERS.get(raw, words.get(raw.lower(), 0))
        data["graduation_date"] = date(today.year - years, 6, 30)
    elif _find(
        r"今年毕业|应届|大四|研三|博[四五]|this year'?s graduate|graduat\w* this year|"
        r"final[- ]year",
        text,
    ):
        year = today.year if today.month <= 7 else today.year + 1
        if _find(r"今年毕业|graduat\w* this year", text):
            year = today.year
        data["graduation_date"] = date(year, 6, 30)
    elif _find(r"明年毕业|大三|研二|graduat\w* next year", text):
        data["graduation_date"] = date(today.year + (1 if today.month <= 7 else 2), 6, 30)
    if _find(r"专科|大专|高职", text) and _find(r"大三", text) and "graduation_date" in data:
        # 专科 is three years: 大三 is the final year
        data["graduation_date"] = date(today.year if today.month <= 7 else today.year + 1, 6, 30)


def _major(text: str, data: dict[str, Any]) -> None:
    m = _find(r"([\u4e00-\u9fa5A-Za-z]{2,12}?)专业", text)
    if m:
        major = re.sub(
            r"^(?:我是|是|读的是|学的是|学|读|本科|专科|大专|硕士|博士|研究生|\d+届|的)+", "", m[1]
        )
        if len(major) >= 2:
            data["major"] = major
    elif m := _find(r"学(?:的是)?([\u4e00-\u9fa5]{2,8})的|学的是([\u4e00-\u9fa5]{2,8})", text):
        data["major"] = m[1] or m[2]
    elif m := _find(
        r"(?:majoring in|major(?:ed)? in|degree in|(?:master|bachelor)'?s? in|phd in|studying|"
        r"studied) "
        r"([A-Za-z][A-Za-z &-]{1,40}?)(?:[,.;]| and | at |$)",
        text,
    ):
        data["major"] = re.sub(
            r"\s+(?:master(?:'?s)?|bachelor(?:'?s)?|phd|degree)$",
            "",
            m[1].strip(),
            flags=re.IGNORECASE,
        )
    source = data.get("major", "") or text
    for code, pattern in _DISCIPLINE:
        if _find(pattern, source):
            data["discipline"] = code
            break


def rules_profile(text: str, today: date) -> Profile:
    """The profile the keyword rules find in ``text``."""
    data: dict[str, Any] = {}
    ascii_share = sum(ch.isascii() for ch in text) / max(len(text), 1)
    data["language"] = "en" if ascii_share > 0.8 else "zh"
    for code, pattern in _EDUCATION:
        if _find(pattern, text):
            data["education"] = code
            break
    if _find(r"专升本", text):
        data["education"] = "zhuanke"
    paths = _codes(_patterns("path", list(vocab.PATHS)), text)
    if "upgrade_degree" in paths and "private" in paths and not _find(r"民企|外企|大厂", text):
        paths.remove("private")
    if paths:
        data["paths"] = paths
    found = _codes(_patterns("circumstance", _CIRCUMSTANCE_ORDER), text)
    if found:
        data["circumstances"] = found
    elif _find(_NO_CIRCUMSTANCES, text):
        data["circumstances"] = []
    if (
        "veteran" in found
        and "military" in data.get("paths", [])
        and not _find(r"想参军|想当兵", text)
    ):
        data["paths"].remove("military")
    if _find(r"international student|foreign student|留学生|外国人|\bforeigner\b", text):
        data["nationality"] = "foreign"
    if m := _find(rf"\bfrom ({_COUNTRIES})|({_COUNTRIES})n? (?:citizen|national)", text):
        data["nationality"] = (m[1] or m[2]).title()
    if m := _find(r"(\d{2})\s*岁|(?:i'?m|i am|aged?) (\d{2})(?: years old)?\b", text):
        data["age"] = int(m[1] or m[2])
    if _find(r"预备党员", text):
        data["political_status"] = "probationary_member"
    elif _find(r"党员|party member", text):
        data["political_status"] = "party_member"
    if _find(
        r"没(?:有)?找到工作|还没(?:有)?工作|待业|失业|没上班|unemployed|no job|haven'?t found", text
    ):
        data["employed"] = False
    elif _find(_FLEXIBLE_NOW, text):
        data["employment"] = "flexible"
    elif _find(_EMPLOYER_NOW, text):
        data["employment"] = "employer"
    if _find(_OWN_INSURANCE, text):
        data["own_social_insurance"] = True
    elif _find(_NO_INSURANCE, text):
        data["own_social_insurance"] = False
    if m := _find(r"(?:喜欢|擅长|兴趣是|interested in|good at) ?([^，。,.;；]{2,20})", text):
        data["interests"] = [m[1].strip()]
    _graduation(text, today, data)
    _major(text, data)
    _regions(text, data)
    if "nationality" in data:  # a province named by a foreigner is where they study or aim
        data.pop("home_province", None)
    if m := _find(
        r"(人工智能|大模型|算法|数据分析|新媒体|电商|\bAI\b|machine learning|data science)", text
    ):
        data["interests"] = [*data.get("interests", []), m[1]]
    if (
        data.get("employed") is False
        and "graduation_date" in data
        and data["graduation_date"] < today
    ):
        data.setdefault("circumstances", [])
        data["circumstances"] = [*data["circumstances"], "unemployed_after_leaving"]
    return Profile.model_validate(data)


def profile_from_text(
    text: str, today: date | None = None, llm: Any = None, *, prompts_dir: Path | None = None
) -> Profile:
    """A profile from a description; the chat model, when given, refines the rule-based one."""
    day = today or date.today()
    profile = rules_profile(text, day)
    if llm is None:
        return profile
    from bot.chat.prompts import PromptLibrary

    lang = profile.language or "zh"
    prompt = PromptLibrary(prompts_dir).render(
        "plan_extract", lang, description=text, today=day.isoformat()
    )
    try:
        reply = llm.invoke(prompt)
        content = getattr(reply, "content", reply)
        data = _json_object(str(content))
        refined = Profile.model_validate({k: v for k, v in data.items() if v not in (None, "")})
    except Exception as error:  # the model's answer is untrusted input: keep the rules' profile
        log.warning("profile extraction by the chat model failed (%s); using the rules", error)
        return profile
    return profile.merged(refined)


def _json_object(content: str) -> dict[str, Any]:
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end < start:
        raise ValueError("no JSON object in the model's answer")
    data = json.loads(content[start : end + 1])
    if not isinstance(data, dict):
        raise ValueError("the model's answer is not a JSON object")
    return data
