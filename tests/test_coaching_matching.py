"""Matching and the coaching plan: reasons, gates, gaps, dated actions, and the chat route."""

from __future__ import annotations

from datetime import date

import pytest

from bot.chat.models import Turn
from bot.coaching import riasec
from bot.coaching.matching import code_agreement, suggest
from bot.coaching.occupations import OccupationCatalogue, load_occupations
from bot.coaching.planning import coaching_plan
from bot.planning.catalogue import load_catalogue
from bot.planning.flow import PlanningFlow
from bot.planning.plan import render_markdown
from bot.planning.profile import Profile

TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def occupations() -> OccupationCatalogue:
    return load_occupations()


def test_code_agreement_weighs_places() -> None:
    assert code_agreement("IAS", "IAS") == 1.0
    assert code_agreement("IAS", "RCE") == 0.0
    assert code_agreement("IAS", "ISA") > code_agreement("IAS", "SAI") > 0
    assert code_agreement("I", "RIC") > 0


def test_a_major_leads_to_its_occupations_with_the_reason(occupations: OccupationCatalogue) -> None:
    found = {s.id: s for s in suggest(Profile(major="护理学", education="bachelor"), occupations)}
    assert "nurse" in found
    assert any("护理学" in r.zh for r in found["nurse"].reasons)


def test_english_major_names_match_catalogue_majors(occupations: OccupationCatalogue) -> None:
    found = suggest(Profile(major="nursing"), occupations)
    assert "nurse" in {s.id for s in found}


def test_licensed_occupations_need_their_major(occupations: OccupationCatalogue) -> None:
    found = {s.id for s in suggest(Profile(major="市场营销"), occupations, "ISR", limit=200)}
    assert not found & {"physician", "nurse", "vet", "dentist", "lawyer"}


def test_a_doctorate_gates_university_teaching(occupations: OccupationCatalogue) -> None:
    bachelor = {
        s.id
        for s in suggest(
            Profile(major="物理学", education="bachelor"), occupations, "ISA", limit=200
        )
    }
    doctor = {
        s.id
        for s in suggest(Profile(major="物理学", education="phd"), occupations, "ISA", limit=200)
    }
    assert "lecturer" not in bachelor and "lecturer" in doctor


def test_a_foreign_national_gets_no_citizen_only_routes(occupations: OccupationCatalogue) -> None:
    foreign = Profile(major="行政管理", nationality="德国")
    found = suggest(foreign, occupations, "CSE", limit=200)
    assert "civil-servant" not in {s.id for s in found}
    assert all(not {"civil_service", "grassroots", "military"} & set(s.routes) for s in found)
    chinese = suggest(Profile(major="行政管理"), occupations, "CSE", limit=200)
    assert "civil-servant" in {s.id for s in chinese}
    assert all("foreign_permit" not in s.routes for s in chinese)


def test_preferred_paths_and_interests_raise_an_occupation(
    occupations: OccupationCatalogue,
) -> None:
    plain = {s.id: s.score for s in suggest(Profile(major="会计学"), occupations, limit=50)}
    wanting = {
        s.id: s.score
        for s in suggest(Profile(major="会计学", paths=["civil_service"]), occupations, limit=50)
    }
    assert wanting["civil-service-tech"] > plain["civil-service-tech"]
    with_code = {
        s.id: s.score for s in suggest(Profile(major="会计学"), occupations, "CEI", limit=50)
    }
    assert with_code["accountant"] > plain["accountant"]


def test_gaps_are_skills_not_shown_yet(occupations: OccupationCatalogue) -> None:
    shown = suggest(Profile(major="统计学", strengths=["SQL", "Python"]), occupations, "ICE")
    analyst = next(s for s in shown if s.id == "data-analyst")
    assert {"sql", "python", "statistics"} <= set(analyst.shown)
    assert "data-viz" in analyst.gaps


def test_the_coaching_plan_has_self_assessment_targets_and_dated_actions(
    occupations: OccupationCatalogue,
) -> None:
    q = riasec.load_questionnaire()
    result = riasec.score(q, {i.id: 4 if i.type in "CE" else 1 for i in q.items})
    profile = Profile(
        education="bachelor",
        major="会计学",
        graduation_date="2028",
        home_province="甘肃",
        paths=["soe"],
        language="zh",
    )
    plan = coaching_plan(
        profile, load_catalogue(), occupations, TODAY, questionnaire=q, result=result
    )
    assert plan.self_assessment is not None and plan.self_assessment.code == result.code
    assert plan.targets and plan.targets[0].reasons
    months = [a.month for a in plan.skill_actions]
    assert months == sorted(months) and months[0] == "2027-01"
    assert all(m < "2027-09" for m in months)  # before the autumn round of the final year
    text = render_markdown(plan)
    for heading in ("## 自我评估（兴趣测评）", "## 目标职业（建议）", "## 技能行动（按月）"):
        assert heading in text
    assert plan.to_dict()["targets"][0]["name"] == plan.targets[0].name.zh


def test_without_the_questionnaire_the_plan_offers_it(occupations: OccupationCatalogue) -> None:
    plan = coaching_plan(Profile(major="法学", language="en"), load_catalogue(), occupations, TODAY)
    text = render_markdown(plan)
    assert "have not taken the interest questionnaire" in text
    assert plan.self_assessment is None


def test_a_policy_only_plan_is_unchanged(occupations: OccupationCatalogue) -> None:
    from bot.planning.plan import make_plan

    text = render_markdown(make_plan(Profile(major="法学"), load_catalogue(), TODAY))
    assert "自我评估" not in text and "目标职业" not in text


def test_chat_weighing_paths_gets_content_citations_and_a_next_step(
    occupations: OccupationCatalogue,
) -> None:
    flow = PlanningFlow(load_catalogue(), today=lambda: TODAY, occupations=occupations)
    answer = flow.respond("我学的是护理学，以后是读研好还是直接工作？", [], "zh")
    assert answer.intent == "planning"
    assert "[1]" in answer.answer and len(answer.citations) >= 5
    assert "护士" in answer.answer  # occupations from the major
    assert "careercoach assess" in answer.answer
    assert "兴趣代码" in answer.answer
    assert "code" not in answer.extra
    history = [
        Turn(role="user", text="我学的是护理学，以后是读研好还是直接工作？"),
        Turn(role="assistant", text=answer.answer),
    ]
    assert flow.in_progress(history)  # the next short answer goes back to the planner


def test_without_a_catalogue_the_flow_interviews_as_before() -> None:
    flow = PlanningFlow(load_catalogue(), today=lambda: TODAY)
    answer = flow.respond("我适合做什么工作？", [], "zh")
    assert answer.extra.get("planning_step") != "choices"


def test_a_foreign_national_weighing_paths_sees_the_work_permit_not_the_civil_service(
    occupations: OccupationCatalogue,
) -> None:
    flow = PlanningFlow(load_catalogue(), today=lambda: TODAY, occupations=occupations)
    answer = flow.respond(
        "I am a Korean citizen studying here. Which career path should I take?", [], "en"
    )
    assert "work permit" in answer.answer
    assert "civil service" not in answer.answer and "grassroots" not in answer.answer
