"""The planning engine on the fixture catalogue: facts, warnings, phases, horizon, passages."""

from __future__ import annotations

from datetime import date

from bot.chat.models import Turn
from bot.knowledge.models import DocumentMeta, Hit, SearchFilters
from bot.planning.catalogue import load_catalogue
from bot.planning.eligibility import assess
from bot.planning.fields import facts_of
from bot.planning.flow import PlanningFlow
from bot.planning.plan import make_plan, render_markdown
from bot.planning.profile import Profile
from tests.conftest import FIXTURES

MINI = load_catalogue(FIXTURES / "planning" / "resources.yaml")
DOCS = FIXTURES / "planning" / "docs"


def _result(profile: Profile, today: date, resource_id: str):  # type: ignore[no-untyped-def]
    return next(r for r in assess(profile, MINI, today) if r.resource_id == resource_id)


def test_derived_graduation_facts() -> None:
    profile = Profile(graduation_date="2027-06-30")
    before = facts_of(profile, date(2026, 11, 22))
    assert before["final_year_student"] is True and before["graduated"] is False
    assert before["graduates_this_year"] is False and before["months_since_graduation"] < 0
    after = facts_of(profile, date(2029, 5, 1))
    assert after["left_school_within_2_years"] is True and after["graduated"] is True
    late = facts_of(profile, date(2029, 7, 1))
    assert late["left_school_within_2_years"] is False
    assert facts_of(Profile(), date(2026, 1, 1))["graduated"] is None


def test_citizenship_is_inferred_only_from_what_was_said() -> None:
    day = date(2026, 1, 1)
    assert facts_of(Profile(home_province="甘肃"), day)["is_chinese_citizen"] is True
    assert facts_of(Profile(nationality="Korea"), day)["is_chinese_citizen"] is False
    assert facts_of(Profile(language="en"), day)["is_chinese_citizen"] is None
    assert facts_of(Profile(nationality="Korea"), day)["circumstances"] == []
    unemployed = Profile(graduation_date=2025, employed=False)
    assert facts_of(unemployed, day)["circumstances"] == ["unemployed_after_leaving"]


def test_met_unknown_failed_and_outcomes() -> None:
    day = date(2026, 3, 1)
    full = Profile(graduation_date=2026, circumstances=["dibao"], age=22)
    assert _result(full, day, "demo-grant").outcome == "likely"
    partial = Profile(graduation_date=2026, circumstances=["dibao"])
    result = _result(partial, day, "demo-grant")
    assert result.outcome == "possible"
    assert [c.text.zh for c in result.unknown] == ["30 周岁以下"]
    assert result.unknown[0].question is not None and "多大" in result.unknown[0].question.zh
    wrong = Profile(graduation_date=2026, circumstances=[], age=22)
    assert _result(wrong, day, "demo-grant").outcome == "unlikely"


def test_stale_entries_are_never_likely() -> None:
    result = _result(Profile(), date(2026, 3, 1), "demo-service")  # last checked 2024-01-01
    assert result.outcome == "possible"
    assert any("2024-01-01" in w.zh for w in result.warnings)


def test_windows_follow_the_phase_and_the_horizon() -> None:
    profile = Profile(graduation_date="2027-06-30", circumstances=["dibao"], age=22)
    plan = make_plan(profile, MINI, date(2025, 7, 1), docs_dir=DOCS)
    grant_months = [m.month for m in plan.milestones if m.ref == "demo-grant"]
    assert grant_months == ["2026-09"]  # final year only, not 2025-09
    assert [(i.since, i.result.resource_id) for i in plan.later] == [("2026-07", "demo-grant")]
    assert "demo-grant" not in [r.resource_id for r in plan.resources + plan.not_for_you]
    fair = [m for m in plan.milestones if m.ref == "demo-fair"]
    assert fair and all(m.source == "typical" for m in fair)
    assert "往年通常在此时" in render_markdown(plan)
    assert plan.end == "2029-06"
    young = make_plan(Profile(graduation_date=2031), MINI, date(2025, 9, 1), docs_dir=DOCS)
    assert young.end == "2030-09" and young.notes  # capped at 60 months, and said so


class _Retriever:
    def __init__(self) -> None:
        self.queries: list[str] = []

    def search(self, query: str, k: int = 5, filters: SearchFilters | None = None) -> list[Hit]:
        self.queries.append(query)
        return [
            Hit(
                chunk_id="c1",
                doc_id="d1",
                text=f"关于{query}的原文",
                title="演示文件",
                source="demo.md",
                meta=DocumentMeta(),
                score=0.5,
            )
        ]


def test_a_retriever_adds_related_passages() -> None:
    retriever = _Retriever()
    profile = Profile(graduation_date=2026, circumstances=["dibao"], age=22)
    plan = make_plan(profile, MINI, date(2026, 3, 1), retriever=retriever, docs_dir=DOCS)
    assert retriever.queries[0] == "演示补贴"
    assert plan.related and plan.related[0].text == "关于演示补贴的原文"
    assert "知识库中的相关原文" in render_markdown(plan)


def test_in_progress_tells_the_engine_to_route_answers_back() -> None:
    flow = PlanningFlow(MINI, today=lambda: date(2026, 3, 1), docs_dir=DOCS)
    first = flow.respond("帮我做个职业规划", [], "zh")
    history = [
        Turn(role="user", text="帮我做个职业规划"),
        Turn(role="assistant", text=first.answer),
    ]
    assert flow.in_progress(history)
    assert not flow.in_progress([Turn(role="assistant", text="一次性求职补贴要向学校申请。")])
    assert not flow.in_progress([])
