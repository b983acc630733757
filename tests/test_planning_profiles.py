"""Fourteen graduates against the real catalogue: eligibility outcomes, plan items, sources.

Each profile is checked for the outcomes that follow from the knowledge-base clauses it meets
or fails, for the key items of its plan, and for the rule that nothing in a plan is claimed
without a source: every line of the rendered plan outside the graduate's own facts carries a
``[n]`` marker that points to a real clause.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from bot.planning.catalogue import Catalogue, default_catalogue_path, load_catalogue
from bot.planning.clauses import DocumentShelf
from bot.planning.eligibility import assess
from bot.planning.plan import Plan, make_plan, render_markdown
from bot.planning.profile import Profile
from tests.conftest import REPO

TODAY = date(2026, 11, 22)
DOCS = REPO / "knowledge" / "docs"

PROFILES: dict[str, dict[str, Any]] = {
    "hardship_goes_home": dict(
        education="本科",
        major="会计",
        discipline="管理学",
        graduation_date="2027-06",
        home_province="甘肃",
        target_regions=["甘肃"],
        circumstances=["低保户"],
        age=22,
        paths=["考公", "基层项目"],
    ),
    "master_ai": dict(
        education="硕士",
        major="计算机科学与技术",
        discipline="工学",
        graduation_date=2027,
        home_province="湖北",
        target_regions=["深圳", "杭州"],
        interests=["人工智能", "算法"],
        paths=["民企/外企"],
        circumstances=[],
        age=25,
    ),
    "art_startup": dict(
        education="本科",
        major="视觉传达设计",
        discipline="艺术学",
        graduation_date="2026-06-30",
        home_province="四川",
        paths=["创业"],
        circumstances=[],
        employed=False,
        age=23,
    ),
    "two_years_out": dict(
        education="专科",
        major="市场营销",
        graduation_date="2024-06-30",
        home_province="河南",
        employed=False,
        age=24,
    ),
    "international": dict(
        language="en",
        education="master",
        major="computer science",
        nationality="Pakistan",
        graduation_date="2027-06",
        age=26,
    ),
    "disabled": dict(
        education="本科",
        major="汉语言文学",
        graduation_date=2027,
        home_province="山东",
        circumstances=["残疾"],
        age=22,
    ),
    "veteran": dict(
        education="本科",
        major="机械工程",
        graduation_date="2026-06",
        home_province="江苏",
        circumstances=["退役军人"],
        paths=["考研"],
        age=25,
    ),
    "zhuanke_upgrade": dict(
        education="大专",
        major="护理",
        graduation_date=2027,
        home_province="广西",
        circumstances=["建档立卡"],
        paths=["专升本"],
        age=20,
    ),
    "phd": dict(
        education="博士",
        major="物理学",
        discipline="理学",
        graduation_date=2027,
        home_province="北京",
        paths=["科研", "考公"],
        age=29,
        political_status="党员",
    ),
    "no_circumstances_given": dict(
        education="本科",
        major="英语",
        graduation_date=2027,
        home_province="浙江",
    ),
    "empty": dict(),
    "teacher_training_zhuanke": dict(
        education="专科",
        major="小学教育",
        discipline="教育学",
        graduation_date=2027,
        home_province="贵州",
        paths=["教师"],
        age=21,
        circumstances=["国家助学贷款"],
    ),
    "party_member_selection": dict(
        education="本科",
        major="法学",
        graduation_date=2027,
        home_province="湖南",
        political_status="中共党员",
        paths=["考公/选调"],
        age=22,
        circumstances=[],
    ),
    "over_age_civil_service": dict(
        education="本科",
        major="行政管理",
        graduation_date=2013,
        home_province="河北",
        paths=["考公"],
        age=37,
        employed=True,
        circumstances=[],
    ),
}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(default_catalogue_path())


def _outcomes(name: str, catalogue: Catalogue) -> dict[str, str]:
    profile = Profile.model_validate(PROFILES[name])
    return {r.resource_id: r.outcome for r in assess(profile, catalogue, TODAY)}


def _plan(name: str, catalogue: Catalogue) -> Plan:
    return make_plan(Profile.model_validate(PROFILES[name]), catalogue, TODAY, docs_dir=DOCS)


# (profile, resource, expected outcome)
EXPECTED = [
    ("hardship_goes_home", "job-seeking-subsidy", "likely"),
    ("hardship_goes_home", "hongzhi-zhuhang", "likely"),
    ("hardship_goes_home", "sanzhi-yifu", "likely"),
    ("hardship_goes_home", "western-volunteer", "likely"),
    ("hardship_goes_home", "selected-graduates", "possible"),  # party / student leader unknown
    ("master_ai", "job-seeking-subsidy", "unlikely"),
    ("master_ai", "postgraduate-exam", "unlikely"),
    ("master_ai", "foreign-graduate-work-permit", "unlikely"),
    ("art_startup", "startup-guarantee-loan", "likely"),
    ("art_startup", "startup-tax-relief", "likely"),
    ("art_startup", "startup-one-off-subsidy", "possible"),  # a local policy: never "likely"
    ("art_startup", "employment-internship", "likely"),
    # no work at all: the insurance subsidy is for flexible workers paying their own insurance
    ("art_startup", "flexible-employment-insurance-subsidy", "unlikely"),
    ("two_years_out", "job-seeking-subsidy", "unlikely"),
    ("two_years_out", "unemployed-registration", "likely"),
    ("two_years_out", "employment-internship", "likely"),  # aged 24
    ("two_years_out", "sanzhi-yifu", "unlikely"),  # left more than two years ago
    ("international", "civil-service-exam", "unlikely"),
    ("international", "selected-graduates", "unlikely"),
    ("international", "military-enlistment", "unlikely"),
    ("international", "job-seeking-subsidy", "unlikely"),
    ("international", "foreign-graduate-work-permit", "likely"),
    ("disabled", "job-seeking-subsidy", "likely"),
    ("disabled", "hongzhi-zhuhang", "likely"),
    ("veteran", "veteran-study-preferences", "likely"),
    ("veteran", "postgraduate-exam", "likely"),
    ("zhuanke_upgrade", "upgrade-to-bachelor", "likely"),
    ("zhuanke_upgrade", "job-seeking-subsidy", "likely"),
    ("phd", "postgraduate-exam", "unlikely"),
    ("phd", "selected-graduates", "likely"),
    ("phd", "civil-service-exam", "likely"),
    ("no_circumstances_given", "job-seeking-subsidy", "possible"),
    ("empty", "job-seeking-subsidy", "possible"),
    ("empty", "ncss-24365", "likely"),
    ("teacher_training_zhuanke", "special-post-teachers", "likely"),  # 师范类专科
    ("teacher_training_zhuanke", "job-seeking-subsidy", "likely"),  # student loan
    ("party_member_selection", "selected-graduates", "likely"),
    ("party_member_selection", "job-seeking-subsidy", "unlikely"),
    ("over_age_civil_service", "civil-service-exam", "unlikely"),
    ("over_age_civil_service", "selected-graduates", "unlikely"),
]


@pytest.mark.parametrize(("name", "resource_id", "outcome"), EXPECTED)
def test_eligibility_outcome(
    catalogue: Catalogue, name: str, resource_id: str, outcome: str
) -> None:
    assert _outcomes(name, catalogue)[resource_id] == outcome


def test_unknown_conditions_come_with_questions(catalogue: Catalogue) -> None:
    profile = Profile.model_validate(PROFILES["no_circumstances_given"])
    result = next(
        r for r in assess(profile, catalogue, TODAY) if r.resource_id == "job-seeking-subsidy"
    )
    assert [c.status for c in result.unknown] == ["unknown"]
    assert result.unknown[0].question is not None
    assert "低保" in result.unknown[0].question.zh
    assert "请向" in result.note("zh") and "确认" in result.note("zh")
    assert "confirm with" in result.note("en")


def test_failed_conditions_name_their_clause(catalogue: Catalogue) -> None:
    profile = Profile.model_validate(PROFILES["international"])
    result = next(
        r for r in assess(profile, catalogue, TODAY) if r.resource_id == "civil-service-exam"
    )
    assert result.failed[0].clause.doc == "selected-graduates-civil-service.md"
    assert "国籍" in result.failed[0].clause.quote


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_no_note_promises_money(catalogue: Catalogue, name: str) -> None:
    profile = Profile.model_validate(PROFILES[name])
    for result in assess(profile, catalogue, TODAY):
        for lang in ("zh", "en"):
            note = result.note(lang)
            assert not re.search(r"一定|保证|肯定能|guarantee|you will (?:get|receive)", note)
            if result.outcome != "unlikely" and not result.is_open_service:
                assert ("确认" in note) if lang == "zh" else ("confirm" in note)


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_nothing_in_a_plan_is_claimed_without_a_source(catalogue: Catalogue, name: str) -> None:
    plan = _plan(name, catalogue)
    markdown = render_markdown(plan)
    citations = plan.citations()
    shelf = DocumentShelf(DOCS)
    for citation in citations:  # every cited clause really is in its document
        clause = plan.clauses()[citation.n - 1]
        assert shelf.problem(clause) is None
    body = markdown.split("\n## ")
    for section in body[2:]:  # skip the title block and "what I know about you"
        heading = section.splitlines()[0]
        if heading.startswith(("来源", "Sources")):
            continue
        for line in section.splitlines()[1:]:
            if not line.startswith("- ") or line[2:] == "毕业离校" or "You leave school" in line:
                continue
            markers = [int(n) for n in re.findall(r"\[(\d+)\]", line)]
            assert markers, f"{name}: unsourced line {line!r}"
            assert all(1 <= n <= len(citations) for n in markers)
    for milestone in plan.milestones:
        assert milestone.clause is not None or milestone.source in {"typical", "profile"}


def _milestone_refs(plan: Plan) -> set[str]:
    return {m.ref for m in plan.milestones}


def test_hardship_plan_has_the_subsidy_window_and_grassroots_items(catalogue: Catalogue) -> None:
    plan = _plan("hardship_goes_home", catalogue)
    ids = [r.resource_id for r in plan.resources]
    assert ids[0] != "startup-guarantee-loan" and "startup-guarantee-loan" not in ids
    assert {"job-seeking-subsidy", "sanzhi-yifu", "western-volunteer"} <= set(ids)
    months = {m.month for m in plan.milestones if m.ref == "job-seeking-subsidy"}
    assert months == {"2026-11"}  # the autumn window of the final year only
    sanzhi = [(m.month, m.until) for m in plan.milestones if m.ref == "sanzhi-yifu"]
    assert sanzhi == [("2027-05", "2027-07")]  # once, with its span, not every year
    assert plan.start == "2026-11" and plan.end == "2029-06"  # two years after leaving
    assert any(s.path == "civil_service" for s in plan.skills)
    markdown = render_markdown(plan)
    assert "一次性求职补贴" in markdown and "金额由各省规定" in markdown
    assert "不构成任何补贴" in markdown


def test_ai_masters_plan_has_recruitment_and_ai_skills(catalogue: Catalogue) -> None:
    plan = _plan("master_ai", catalogue)
    assert "spring-recruitment" in _milestone_refs(plan)
    assert any(s.path == "ai-digital" for s in plan.skills)
    assert any(s.path == "private" for s in plan.skills)
    assert "civil-service-exam" not in [r.resource_id for r in plan.resources]


def test_startup_plan_lists_loan_tax_relief_and_local_subsidy(catalogue: Catalogue) -> None:
    plan = _plan("art_startup", catalogue)
    ids = [r.resource_id for r in plan.resources]
    assert {"startup-guarantee-loan", "startup-tax-relief", "startup-one-off-subsidy"} <= set(ids)
    markdown = render_markdown(plan)
    assert "20 万元" in markdown and "不是补贴" in markdown  # a loan is repaid


def test_long_unemployed_plan_points_to_registration_and_internship(catalogue: Catalogue) -> None:
    plan = _plan("two_years_out", catalogue)
    ids = [r.resource_id for r in plan.resources]
    assert ids.index("unemployed-registration") < len(ids)
    assert "employment-internship" in ids
    assert plan.start == "2026-11" and plan.end == "2027-11"  # past the window: one year ahead
    assert "sanzhi-yifu" in [r.resource_id for r in plan.not_for_you]


def test_international_plan_is_english_and_says_what_does_not_apply(catalogue: Catalogue) -> None:
    plan = _plan("international", catalogue)
    assert plan.lang == "en"
    markdown = render_markdown(plan)
    assert "## Probably not for you" in markdown
    not_for_you = {r.resource_id for r in plan.not_for_you}
    assert {"civil-service-exam", "selected-graduates", "sanzhi-yifu"} <= not_for_you
    assert "foreign-graduate-work-permit" in [r.resource_id for r in plan.resources]
    text_lines = [
        line for line in markdown.splitlines() if line.startswith(("- [ ]", "### 20", "# "))
    ]
    assert text_lines and not any(re.search(r"[\u4e00-\u9fff]", line) for line in text_lines)


def test_zhuanke_plan_has_the_upgrade_exam(catalogue: Catalogue) -> None:
    plan = _plan("zhuanke_upgrade", catalogue)
    assert [(m.month, m.until) for m in plan.milestones if m.ref == "upgrade-to-bachelor"] == [
        ("2027-03", "2027-04")
    ]
    assert any(s.path == "upgrade_degree" for s in plan.skills)
    hidden = {"veteran-study-preferences", "foreign-graduate-work-permit"}  # targeted groups
    assert not hidden & {r.resource_id for r in plan.not_for_you}


def test_a_third_year_student_sees_what_opens_in_the_final_year(catalogue: Catalogue) -> None:
    profile = Profile(
        education="本科",
        graduation_date=2028,
        home_province="云南",
        circumstances=["脱贫家庭"],
        paths=["基层项目"],
        age=20,
    )
    plan = make_plan(profile, catalogue, TODAY, docs_dir=DOCS)
    later = {i.result.resource_id: i.since for i in plan.later}
    assert later["job-seeking-subsidy"] == "2027-07"
    assert later["western-volunteer"] == "2027-07"
    assert [(m.month, m.until) for m in plan.milestones if m.ref == "job-seeking-subsidy"] == [
        ("2027-09", "2027-11")
    ]
    assert "以后可能适用" in render_markdown(plan)


def test_empty_profile_plan_says_what_it_does_not_know(catalogue: Catalogue) -> None:
    plan = _plan("empty", catalogue)
    assert plan.notes and plan.end == "2028-11"
    assert all(not r.resource.paths for r in plan.resources)
    assert plan.questions  # open questions to settle
