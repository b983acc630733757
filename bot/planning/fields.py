"""The facts a catalogue condition may test, derived from a profile and today's date.

A condition names one of :data:`FIELDS`; :func:`facts_of` computes every one of them for a
profile (``None`` when it cannot be told). Derived facts, such as "graduates this year" or
"left school within two years", are computed here once so catalogue entries stay declarative;
the few that depend on a resource's own application window come from :func:`window_facts`.
Which operators suit which kind of fact is fixed here too. The evaluation of a condition lives
in :mod:`bot.planning.eligibility`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.planning import vocabulary as vocab
from bot.planning.profile import Profile


@dataclass(frozen=True)
class FieldSpec:
    kind: str  # code, codes, province, provinces, int, bool, text
    vocabulary: str | None  # for code / codes: which table
    ask_zh: str  # the question to ask when the fact is unknown
    ask_en: str


FIELDS: dict[str, FieldSpec] = {
    "education": FieldSpec(
        "code",
        "education",
        "你的学历是专科、本科、硕士还是博士？",
        "Is your degree junior college, bachelor's, master's or PhD?",
    ),
    "discipline": FieldSpec(
        "code",
        "discipline",
        "你的专业属于哪个学科门类（如工学、管理学）？",
        "Which discipline is your major in (e.g. engineering)?",
    ),
    "major": FieldSpec("text", None, "你学的是什么专业？", "What is your major?"),
    "political_status": FieldSpec(
        "code",
        "political_status",
        "你的政治面貌是什么（党员、团员…）？",
        "Are you a CPC member, League member or neither?",
    ),
    "home_province": FieldSpec(
        "province", None, "你是哪个省份的人？", "Which province are you from?"
    ),
    "hukou_province": FieldSpec(
        "province", None, "你的户籍在哪个省？", "Which province is your hukou registered in?"
    ),
    "target_regions": FieldSpec(
        "provinces",
        None,
        "你想在哪些省份或城市工作？",
        "Which provinces or cities do you want to work in?",
    ),
    "paths": FieldSpec(
        "codes",
        "paths",
        "你更倾向哪些方向（考研、考公、基层项目、企业、创业…）？",
        "Which paths interest you (further study, civil service, companies…)?",
    ),
    "circumstances": FieldSpec(
        "codes",
        "circumstances",
        "你家庭是否属于脱贫家庭、低保家庭、零就业家庭，或本人有残疾、办过国家助学贷款？",
        "Is your family registered as low-income, or do you have a disability or a national "
        "student loan?",
    ),
    "age": FieldSpec("int", None, "你今年多大？", "How old are you?"),
    "is_chinese_citizen": FieldSpec("bool", None, "你是中国国籍吗？", "Are you a Chinese citizen?"),
    "student_leader": FieldSpec(
        "bool",
        None,
        "你是否担任过学生干部，或获得过校级以上奖励？",
        "Have you been a student leader or won a school-level award?",
    ),
    "employed": FieldSpec("bool", None, "你现在有工作吗？", "Do you have a job now?"),
    "employment": FieldSpec(
        "code",
        "employment",
        "你现在是在单位上班、灵活就业（自由职业、个体经营、打零工、平台接单等），还是还没有工作？",
        "Do you work for an employer, work flexibly (freelance, self-employed, gig or platform "
        "work), or have no work yet?",
    ),
    "own_social_insurance": FieldSpec(
        "bool",
        None,
        "你是否以灵活就业人员身份自己缴纳社保（养老、医疗保险）？",
        "Do you pay your own social insurance (pension, medical) as a flexible worker?",
    ),
    "registered_unemployed": FieldSpec(
        "bool",
        None,
        "你是否已在当地公共就业服务机构做了失业登记？",
        "Have you registered as unemployed with the local public employment office?",
    ),
    "graduated": FieldSpec("bool", None, "你已经毕业了吗？", "Have you graduated yet?"),
    "graduates_this_year": FieldSpec(
        "bool", None, "你是今年毕业吗？", "Do you graduate this calendar year?"
    ),
    "final_year_student": FieldSpec(
        "bool",
        None,
        "你现在是毕业学年（最后一年）的在校生吗？",
        "Are you in your final year at school?",
    ),
    "left_school_within_2_years": FieldSpec(
        "bool", None, "你离校是否在两年以内？", "Did you leave school within the last two years?"
    ),
    "months_since_graduation": FieldSpec(
        "int", None, "你是哪一年几月毕业（或将毕业）的？", "When did (or will) you graduate?"
    ),
    # Relative to the resource's own yearly window (see window_facts), e.g. 西部计划's
    # "当年毕业": graduating in the year of the next spring recruitment one can still apply to.
    "graduates_in_window_year": FieldSpec(
        "bool", None, "你是哪一年毕业（或将毕业）的？", "In which year do (or did) you graduate?"
    ),
}
WINDOW_FIELDS = {"graduates_in_window_year"}

# "check" suits every field: the source names the fact but gives no figure to test it against
# (enlistment age "以当年征兵命令为准"), so the condition is always to be checked, never met.
OPERATORS: dict[str, set[str]] = {
    "code": {"eq", "ne", "in", "not_in", "gte", "lte", "check"},
    "province": {"eq", "ne", "in", "not_in", "check"},
    "codes": {"contains", "intersects", "excludes", "check"},
    "provinces": {"contains", "intersects", "excludes", "check"},
    "int": {"eq", "ne", "lt", "lte", "gt", "gte", "between", "check"},
    "bool": {"eq", "check"},
    "text": {"eq", "in", "check"},
}
LIST_OPERATORS = {"in", "not_in", "intersects", "excludes", "between"}


def _months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1 if months > 0 else 0
    return months


def facts_of(profile: Profile, today: date) -> dict[str, Any]:
    """Every fact of :data:`FIELDS` for ``profile`` on ``today``; ``None`` where unknown."""
    grad = profile.graduation_date
    facts: dict[str, Any] = {
        "education": profile.education,
        "discipline": profile.discipline,
        "major": profile.major,
        "political_status": profile.political_status,
        "home_province": profile.home_province,
        "hukou_province": profile.hukou_province or profile.home_province,
        "target_regions": profile.target_regions,
        "paths": profile.paths,
        "circumstances": _circumstances(profile, today, _citizen(profile)),
        "age": profile.age,
        "is_chinese_citizen": _citizen(profile),
        "student_leader": profile.student_leader,
        "employed": _employed(profile),
        "employment": _employment(profile),
        "own_social_insurance": profile.own_social_insurance,
        "registered_unemployed": profile.registered_unemployed,
    }
    if grad is None:
        facts |= dict.fromkeys(
            (
                "graduated",
                "graduates_this_year",
                "final_year_student",
                "left_school_within_2_years",
                "months_since_graduation",
            ),
        )
        return facts
    since = _months_between(grad, today)
    facts["graduated"] = today >= grad
    # Three readings of "the graduation year", each used where its document means it:
    # graduates_this_year is the calendar year of leaving (1 January to 31 December), the tax
    # relief's 毕业年度; final_year_student is the 毕业学年, the twelve months before leaving,
    # when the school takes job-seeking-subsidy applications and 选调 notices come out;
    # a recruitment round's 当年毕业 is window_facts'.
    facts["graduates_this_year"] = grad.year == today.year
    facts["final_year_student"] = today < grad and _months_between(today, grad) < 12
    facts["left_school_within_2_years"] = today >= grad and since < 24
    facts["months_since_graduation"] = since
    return facts


def _employed(profile: Profile) -> bool | None:
    """Has work now; the kind of work, when given, decides (flexible work is work)."""
    if profile.employment is not None:
        return profile.employment != "none"
    return profile.employed


def _employment(profile: Profile) -> str | None:
    """employer / flexible / none; "no job" tells it, "a job" alone does not say which kind."""
    if profile.employment is not None:
        return profile.employment
    return "none" if profile.employed is False else None


def window_facts(months: list[int], profile: Profile, today: date) -> dict[str, Any]:
    """Facts relative to a yearly window of ``months`` (a resource's recruitment round).

    The next round one can still apply to is this year's when its last month has not passed,
    otherwise next year's. western-volunteer-program.md § 报名条件 "当年毕业的全日制普通高校毕业生
    为主", with recruitment "每年春季（多在4—5月）": 当年 is the year of the round, so in December
    2026 a June 2027 graduate is the next round's (April 2027) graduate and a June 2026 graduate
    is not, although 2026 is still the calendar year they graduated in.
    """
    grad = profile.graduation_date
    if grad is None or not months:
        return {"graduates_in_window_year": None}
    round_year = today.year if today.month <= max(months) else today.year + 1
    return {"graduates_in_window_year": grad.year == round_year}


def _citizen(profile: Profile) -> bool | None:
    """Chinese nationality; a home or hukou province (and no nationality given) implies it."""
    if profile.nationality is not None:
        return profile.nationality == vocab.CHINA
    if profile.hukou_province or profile.home_province or profile.language == "zh":
        return True
    return None


def _circumstances(profile: Profile, today: date, citizen: bool | None) -> list[str] | None:
    """Circumstances, adding 离校未就业 when the profile shows it (graduated, no job).

    The circumstances are Chinese registrations (低保, 脱贫, state student loans, veterans), so a
    foreign national who said nothing about them is taken to have none.
    """
    found = profile.circumstances
    if found is None and citizen is False:
        found = []
    grad = profile.graduation_date
    if grad is not None and today > grad and _employed(profile) is False:
        found = [*(found or []), "unemployed_after_leaving"]
        return list(dict.fromkeys(found))
    return found
