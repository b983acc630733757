"""Verdicts the plans evaluation and real use found wrong, each checked with the profile that
exposed it: citizenship for the start-up loan and tax relief, the enlistment age, the
flexible-employment insurance subsidy, in-school students and the internship, graduation-year
readings, a timeline that repeated windows, and an interview that asked for what it was told.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from bot.chat.models import Turn
from bot.cli import main
from bot.errors import ValidationFailed
from bot.planning.catalogue import Catalogue, load_catalogue, parse_catalogue
from bot.planning.eligibility import EligibilityResult, assess
from bot.planning.flow import PlanningFlow
from bot.planning.plan import make_plan, render_markdown
from bot.planning.profile import Profile
from tests.conftest import REPO

DEC = date(2026, 12, 1)
DOCS = REPO / "knowledge" / "docs"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def _result(
    catalogue: Catalogue, today: date, resource_id: str, **profile: Any
) -> EligibilityResult:
    found = assess(Profile.model_validate(profile), catalogue, today)
    return next(r for r in found if r.resource_id == resource_id)


# --- 1. citizenship ------------------------------------------------------------------------

FOREIGN_MASTER = dict(
    language="en", nationality="巴基斯坦", education="硕士", graduation_date="2026-06", age=27
)
CHINESE_ARTIST = dict(
    education="本科", graduation_date="2026-06", home_province="浙江", age=23, employed=False
)


@pytest.mark.parametrize("resource_id", ["startup-guarantee-loan", "startup-tax-relief"])
def test_start_up_support_needs_chinese_citizenship(catalogue: Catalogue, resource_id: str) -> None:
    foreign = _result(catalogue, DEC, resource_id, **FOREIGN_MASTER)
    assert foreign.outcome == "unlikely"
    assert foreign.failed[0].clause.doc == "international-students-guide-en.md"
    assert "Chinese citizens" in foreign.failed[0].clause.quote
    assert _result(catalogue, DEC, resource_id, **CHINESE_ARTIST).outcome == "likely"
    unknown = _result(catalogue, DEC, resource_id, language="en", graduation_date="2026-06")
    assert unknown.outcome == "possible"
    assert any("Chinese citizen" in c.question.en for c in unknown.unknown if c.question)


# --- 2. enlistment age ---------------------------------------------------------------------


@pytest.mark.parametrize("age", [22, 31, None])
def test_enlistment_age_is_always_to_check(catalogue: Catalogue, age: int | None) -> None:
    profile = dict(education="博士", graduation_date="2027-06", home_province="北京", age=age)
    result = _result(catalogue, DEC, "military-enlistment", **profile)
    assert result.outcome == "possible"  # the document gives no figure: never silently met
    age_checks = [c for c in result.unknown if "征兵命令" in c.clause.quote]
    assert len(age_checks) == 1 and not result.failed
    assert age_checks[0].question is not None and "征兵命令" in age_checks[0].question.zh
    assert "征兵命令" in result.note("zh")


def test_a_check_condition_needs_a_question_and_no_value(catalogue: Catalogue) -> None:
    raw: dict[str, Any] = catalogue.model_dump(mode="json", exclude_none=True)
    entry = next(r for r in raw["resources"] if r["id"] == "military-enlistment")
    check = next(c for c in entry["conditions"] if c.get("op") == "check")
    del check["ask"]
    with pytest.raises(ValidationFailed, match=r"military-enlistment.*needs ask"):
        parse_catalogue(raw)
    check["ask"] = {"zh": "？", "en": "?"}
    check["value"] = 30
    with pytest.raises(ValidationFailed, match="takes no value"):
        parse_catalogue(raw)


# --- 3. flexible-employment insurance subsidy -------------------------------------------

LEFT_IN_2025 = dict(education="本科", graduation_date="2025-06", home_province="广西", age=23)


@pytest.mark.parametrize(
    ("work", "outcome"),
    [
        (dict(employed=True), "possible"),  # a job, but which kind? asked
        (dict(employment="在单位工作"), "unlikely"),  # an employer pays the insurance
        (dict(employed=False), "unlikely"),  # not working at all
        (dict(employment="灵活就业"), "possible"),  # does they pay their own insurance?
        (dict(employment="flexible", own_social_insurance=False), "unlikely"),
        (dict(employment="flexible", own_social_insurance=True), "likely"),
    ],
)
def test_the_insurance_subsidy_is_for_flexible_workers_paying_their_own(
    catalogue: Catalogue, work: dict[str, Any], outcome: str
) -> None:
    result = _result(
        catalogue, DEC, "flexible-employment-insurance-subsidy", **LEFT_IN_2025, **work
    )
    assert result.outcome == outcome
    if outcome == "possible":
        assert result.unknown[0].clause.doc == "social-insurance-subsidy.md"


def test_flexible_work_counts_as_work(catalogue: Catalogue) -> None:
    flexible = dict(**LEFT_IN_2025, employment="flexible")
    assert _result(catalogue, DEC, "employment-internship", **flexible).outcome == "unlikely"
    assert _result(catalogue, DEC, "unemployed-registration", **flexible).outcome == "unlikely"


def test_a_newer_answer_about_work_replaces_the_older_one() -> None:
    older = Profile(employment="none")
    assert older.merged(Profile(employed=True)).employment is None
    assert Profile(employed=False).merged(Profile(employment="flexible")).employed is None
    assert older.merged(Profile(employed=False)).employment == "none"


# --- 4. internship and in-school students -------------------------------------------------

FINAL_YEAR = dict(
    education="本科", graduation_date="2027-06", home_province="湖北", age=22, employed=False
)


def test_a_final_year_student_is_not_likely_for_the_internship_yet(catalogue: Catalogue) -> None:
    result = _result(catalogue, DEC, "employment-internship", **FINAL_YEAR)
    assert result.outcome == "unlikely"
    assert [c.clause.quote for c in result.failed] == [
        "部分地方把毕业年度内的在校应届生也纳入见习范围，以当地规定为准"
    ]
    plan = make_plan(Profile.model_validate(FINAL_YEAR), catalogue, DEC, docs_dir=DOCS)
    later = {i.result.resource_id: i.since for i in plan.later}
    assert later["employment-internship"] == "2027-07"  # the month after leaving
    left = dict(FINAL_YEAR, graduation_date="2026-06")
    assert _result(catalogue, DEC, "employment-internship", **left).outcome == "likely"


# --- 7. graduation-year readings -----------------------------------------------------------

HOME = dict(education="本科", home_province="甘肃", age=22)


@pytest.mark.parametrize(
    ("today", "graduation", "met"),
    [
        (date(2026, 12, 15), "2027-06", True),  # December: next spring's round is for 2027
        (date(2026, 12, 15), "2026-06", False),  # calendar 2026, but its round is over
        (date(2026, 3, 1), "2026-06", True),
        (date(2026, 3, 1), "2027-06", False),  # the 2026 round is for 2026 graduates
        (date(2027, 6, 10), "2027-06", False),  # still at school, but April-May has passed
    ],
)
def test_western_volunteer_counts_the_year_of_its_recruitment_round(
    catalogue: Catalogue, today: date, graduation: str, met: bool
) -> None:
    result = _result(catalogue, today, "western-volunteer", **HOME, graduation_date=graduation)
    assert result.outcome == ("likely" if met else "unlikely")


@pytest.mark.parametrize(
    ("today", "graduation", "met"),
    [
        (date(2026, 12, 15), "2027-06", False),  # 毕业年度 = calendar 2027: not yet
        (date(2027, 1, 5), "2027-06", True),
        (date(2026, 12, 15), "2026-06", True),
        (date(2027, 1, 5), "2026-06", False),
    ],
)
def test_tax_relief_counts_the_calendar_year_of_leaving(
    catalogue: Catalogue, today: date, graduation: str, met: bool
) -> None:
    result = _result(catalogue, today, "startup-tax-relief", **HOME, graduation_date=graduation)
    assert result.outcome == ("likely" if met else "unlikely")


@pytest.mark.parametrize("resource_id", ["job-seeking-subsidy", "selected-graduates"])
def test_final_year_programmes_end_when_school_ends(catalogue: Catalogue, resource_id: str) -> None:
    extra = dict(circumstances=["低保家庭"], political_status="中共党员")
    student = _result(catalogue, DEC, resource_id, **HOME, **extra, graduation_date="2027-06")
    assert student.outcome == "likely"
    left = _result(catalogue, DEC, resource_id, **HOME, **extra, graduation_date="2026-06")
    assert left.outcome == "unlikely"  # same calendar year, but the final year is over


def test_a_student_founder_sees_the_tax_relief_from_january(catalogue: Catalogue) -> None:
    profile = Profile.model_validate(dict(HOME, graduation_date="2027-06", paths=["创业"]))
    plan = make_plan(profile, catalogue, DEC, docs_dir=DOCS)
    later = {i.result.resource_id: i.since for i in plan.later}
    assert later["startup-tax-relief"] == "2027-01"


def test_the_cli_in_december(capsys: pytest.CaptureFixture[str]) -> None:
    for year, outcome in (("2027", "likely"), ("2026", "unlikely")):
        code = main(
            [
                "eligible",
                "--describe",
                f"本科会计专业，甘肃人，{year}年6月毕业，想去西部计划",
                "--json",
                "--today",
                "2026-12-15",
            ]
        )
        assert code == 0
        data = json.loads(capsys.readouterr().out)
        western = next(r for r in data["results"] if r["id"] == "western-volunteer")
        assert western["outcome"] == outcome, year


# --- 5. timeline ---------------------------------------------------------------------------

GRASSROOTS = dict(
    education="本科",
    graduation_date="2027-06",
    home_province="甘肃",
    age=22,
    circumstances=[],
    paths=["基层项目", "考公", "专升本"],
)


def test_each_window_shows_once_with_its_span(catalogue: Catalogue) -> None:
    plan = make_plan(Profile.model_validate(GRASSROOTS), catalogue, DEC, docs_dir=DOCS)
    seen = [(m.ref, m.label.zh) for m in plan.milestones]
    assert len(seen) == len(set(seen))  # nothing repeats, neither next month nor next year
    spring = [m for m in plan.milestones if m.ref == "spring-recruitment"]
    assert [(m.month, m.until) for m in spring] == [("2027-03", "2027-04")]
    sanzhi = [m for m in plan.milestones if m.ref == "sanzhi-yifu"]
    assert [(m.month, m.until) for m in sanzhi] == [("2027-05", "2027-07")]  # not 2028, 2029
    national = [m.month for m in plan.milestones if m.ref == "civil-service-exam"]
    assert national == ["2027-03", "2027-10", "2027-11"]  # provincial, then 国考 after leaving
    markdown = render_markdown(plan)
    timeline = markdown.split("## 时间线")[1].split("\n## ")[0]
    assert timeline.count("春季校园招聘高峰") == 1
    assert "（2027-03 至 2027-04；往年通常在此时" in timeline
    as_json = [m for m in plan.to_dict()["milestones"] if "春季校园招聘" in m["label"]]
    assert [(m["month"], m["until"]) for m in as_json] == [("2027-03", "2027-04")]


def test_a_window_cut_by_today_starts_at_today(catalogue: Catalogue) -> None:
    plan = make_plan(Profile.model_validate(GRASSROOTS), catalogue, date(2027, 4, 2))
    spring = [(m.month, m.until) for m in plan.milestones if m.ref == "spring-recruitment"]
    assert spring == [("2027-04", None)]


def test_an_english_timeline_gives_the_span(catalogue: Catalogue) -> None:
    profile = Profile.model_validate(dict(GRASSROOTS, language="en"))
    markdown = render_markdown(make_plan(profile, catalogue, DEC, docs_dir=DOCS))
    assert " (2027-05 to 2027-07) [" in markdown


# --- 6. the interview asks only for what is missing ---------------------------------------


@pytest.fixture(scope="module")
def flow(catalogue: Catalogue) -> PlanningFlow:
    return PlanningFlow(catalogue, today=lambda: DEC, docs_dir=DOCS)


def _talk(flow: PlanningFlow, messages: list[str], lang: str = "zh") -> list[Any]:
    history: list[Turn] = []
    answers = []
    for message in messages:
        answer = flow.respond(message, history, lang)
        history += [Turn(role="user", text=message), Turn(role="assistant", text=answer.answer)]
        answers.append(answer)
    return answers


def test_a_given_major_is_not_asked_again(flow: PlanningFlow) -> None:
    answer = _talk(flow, ["帮我做个职业规划", "本科，会计专业，2027年6月毕业"])[-1]
    assert answer.extra["planning_step"] == "major_region"
    assert answer.extra["planning_parts"] == ["home", "target"]
    assert "专业" not in answer.answer and "哪个省份" in answer.answer


def test_only_the_missing_half_of_a_step_is_asked(flow: PlanningFlow) -> None:
    first = _talk(flow, ["帮我做个职业规划，我是硕士"])[-1]
    assert first.extra["planning_parts"] == ["graduation"]
    assert "学历" not in first.answer.split("\n\n")[-1] and "哪一年毕业" in first.answer
    answer = _talk(flow, ["帮我做个职业规划，本科，2027年毕业，会计专业，甘肃人"])[-1]
    assert answer.extra["planning_parts"] == ["target"]
    assert answer.answer.split("\n\n")[-1] == "你想在哪些省份或城市工作？"


def test_a_foreign_graduate_is_not_asked_for_a_home_province(flow: PlanningFlow) -> None:
    answers = _talk(
        flow,
        ["Help me plan my career, I'm an international student from Pakistan", "Master's, 2027"],
        lang="en",
    )
    assert answers[-1].extra["planning_parts"] == ["major", "target"]
    assert "province are you from" not in answers[-1].answer


def test_a_graduate_who_has_left_is_asked_how_they_work(flow: PlanningFlow) -> None:
    answers = _talk(
        flow,
        [
            "帮我做个职业规划",
            "本科，2025年毕业",
            "会计专业，广西人，想留在南宁",
            "在跑外卖，自己交社保",
            "还没想好",
            "没有",
        ],
    )
    assert [a.extra.get("planning_step") for a in answers[1:]] == [
        "major_region",
        "work",
        "paths",
        "circumstances",
        None,
    ]
    profile = answers[-1].extra["profile"]
    assert profile["employment"] == "flexible" and profile["own_social_insurance"] is True
    assert profile["paths"] == []  # "跑外卖" answered how they work, not what they want
    plan = answers[-1].extra["plan"]
    outcomes = {r["id"]: r["outcome"] for r in plan["resources"]}
    assert outcomes["flexible-employment-insurance-subsidy"] == "likely"


def test_a_student_is_not_asked_about_work(flow: PlanningFlow) -> None:
    answers = _talk(flow, ["帮我做个职业规划", "本科，2027年毕业", "会计专业，甘肃人，想回老家"])
    assert answers[-1].extra["planning_step"] == "paths"


def test_a_freelancer_in_english_reads_an_honest_plan(catalogue: Catalogue) -> None:
    profile = Profile.model_validate(
        dict(
            language="en",
            education="bachelor",
            graduation_date="2026-06",
            home_province="四川",
            employment="flexible",
            own_social_insurance=True,
            paths=["创业"],
        )
    )
    markdown = render_markdown(make_plan(profile, catalogue, DEC, docs_dir=DOCS))
    assert "No dated windows concern you in this period" in markdown  # not an empty heading
    assert "### Social insurance subsidy for flexible workers (may be eligible)" in markdown
    local = "Whether this grant exists and its terms follow what the local"
    assert markdown.count(f"- {local}") == 0 and markdown.count(f"- Local rules: {local}") == 1
