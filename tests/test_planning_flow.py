"""The planning conversation: questions one step at a time, state read back from the history."""

from __future__ import annotations

from datetime import date

import pytest

from bot.chat.models import Answer, Turn
from bot.planning.catalogue import Catalogue, default_catalogue_path, load_catalogue
from bot.planning.flow import PlanningFlow
from tests.conftest import REPO

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def flow() -> PlanningFlow:
    catalogue: Catalogue = load_catalogue(default_catalogue_path())
    return PlanningFlow(catalogue, today=lambda: TODAY, docs_dir=REPO / "knowledge" / "docs")


def _talk(flow: PlanningFlow, messages: list[str], lang: str = "zh") -> tuple[list[Turn], Answer]:
    history: list[Turn] = []
    answer = Answer(answer="")
    for message in messages:
        answer = flow.respond(message, history, lang)
        history += [Turn(role="user", text=message), Turn(role="assistant", text=answer.answer)]
    return history, answer


def test_a_full_chinese_conversation_ends_with_a_plan(flow: PlanningFlow) -> None:
    history, first = _talk(flow, ["帮我做个职业规划"])
    assert first.intent == "planning" and first.extra["planning_step"] == "basics"
    assert "学历" in first.answer and "跳过" in first.answer  # intro + first question
    steps = []
    for reply in [
        "本科，2027年毕业",
        "会计专业，甘肃人，想回老家",
        "想考公，也可以去基层",
        "低保户",
    ]:
        answer = flow.respond(reply, history, "zh")
        history += [Turn(role="user", text=reply), Turn(role="assistant", text=answer.answer)]
        steps.append(answer.extra.get("planning_step"))
    assert steps == ["major_region", "paths", "circumstances", None]
    assert "plan_markdown" in answer.extra
    profile = answer.extra["profile"]
    assert isinstance(profile, dict)
    assert profile["education"] == "bachelor" and profile["home_province"] == "甘肃"
    assert profile["circumstances"] == ["dibao"]
    assert profile["paths"] == ["civil_service", "grassroots"]
    markdown = str(answer.extra["plan_markdown"])
    assert "一次性求职补贴" in markdown
    assert answer.citations and answer.citations[0].n == 1
    assert all(f"[{c.n}]" in markdown for c in answer.citations)


def test_one_or_two_fields_per_question(flow: PlanningFlow) -> None:
    _, answer = _talk(flow, ["帮我做个职业规划，我是本科，2027届"])
    assert answer.extra["planning_step"] == "major_region"  # basics already given


def test_short_answers_are_read_in_context(flow: PlanningFlow) -> None:
    messages = ["做个职业规划", "硕士 2026", "计算机，湖北", "还没有", "还没想好", "没有"]
    _, answer = _talk(flow, messages)
    profile = answer.extra["profile"]
    assert isinstance(profile, dict)
    assert profile["graduation_date"] == "2026-06-30"
    assert profile["major"] == "计算机"
    assert profile["employment"] == "none"  # left school in June: asked whether they work
    assert profile["paths"] == [] and profile["circumstances"] == []
    assert "plan_markdown" in answer.extra


def test_an_unanswered_question_is_not_asked_again(flow: PlanningFlow) -> None:
    history, answer = _talk(flow, ["帮我做个职业规划", "跳过"])
    assert answer.extra["planning_step"] == "major_region"
    asked = [t.text for t in history if t.role == "assistant"]
    assert sum("学历是什么" in text for text in asked) == 1


def test_the_graduate_can_ask_for_the_plan_at_once(flow: PlanningFlow) -> None:
    _, answer = _talk(flow, ["帮我做个职业规划", "直接出规划"])
    assert "plan_markdown" in answer.extra
    assert "不知道你的毕业时间" in str(answer.extra["plan_markdown"])


def test_a_new_start_forgets_the_earlier_plan(flow: PlanningFlow) -> None:
    history, _ = _talk(flow, ["帮我做个职业规划", "博士，2027年毕业"])
    answer = flow.respond("重新做个职业规划", history, "zh")
    assert answer.extra["planning_step"] == "basics"
    assert "education" not in answer.extra["profile"]  # type: ignore[operator]


def test_english_conversation_for_an_international_student(flow: PlanningFlow) -> None:
    _, answer = _talk(
        flow,
        [
            "Can you help me plan my career? I'm an international student from Pakistan.",
            "Master's, graduating in 2027",
            "Computer science, I'd like to work in Shanghai",
            "Private companies",
        ],
        lang="en",
    )
    assert answer.lang == "en"
    markdown = str(answer.extra["plan_markdown"])
    assert markdown.startswith("# Career plan")
    assert "Work permit route for outstanding international graduates" in markdown
    assert "Probably not for you" in markdown  # no circumstances question for a foreigner


def test_the_flow_stays_in_progress_after_a_plan_so_details_update_it(flow: PlanningFlow) -> None:
    history, _ = _talk(flow, ["帮我做个职业规划"])
    assert flow.in_progress(history)
    history, plan = _talk(
        flow, ["帮我做个职业规划", "本科，会计专业，甘肃人，2027年毕业", "直接出规划"]
    )
    assert "plan_markdown" in plan.extra
    # sources are list items, so Markdown shows one per line rather than one run-on paragraph
    assert "\n- [1] " in str(plan.extra["plan_markdown"])
    assert flow.in_progress(history)
    updated = flow.respond("也想考公务员", history, "zh")
    assert "civil_service" in updated.extra["profile"]["paths"]  # type: ignore[index]
    assert not flow.in_progress([Turn(role="assistant", text="一次性求职补贴由学校统一申报[1]。")])
