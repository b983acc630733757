"""The optional LLM path of planning, against the scripted OpenAI-compatible server on 127.0.0.1.

The real ``ChatOpenAI`` client from ``make_chat_model`` talks to it: profile extraction lays the
model's JSON over the rules, advice must keep the plan's own ``[n]`` markers, and any failure
leaves the offline result standing. Also renders every ``plan_*`` prompt strictly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.chat.llm import make_chat_model
from bot.chat.prompts import PromptLibrary
from bot.planning.catalogue import default_catalogue_path, load_catalogue
from bot.planning.extract import profile_from_text
from bot.planning.plan import make_plan, render_markdown
from bot.planning.profile import Profile
from bot.settings import Settings
from tests.conftest import REPO
from tests.llm_server import Reply, ScriptedLLMServer

TODAY = date(2026, 11, 22)
PROFILE = Profile(
    education="本科",
    graduation_date=2027,
    home_province="甘肃",
    circumstances=["低保户"],
    paths=["考公"],
    age=22,
)


@pytest.fixture
def server() -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer() as running:
        yield running


@pytest.fixture
def llm(server: ScriptedLLMServer, tmp_path: Path) -> Any:
    settings = Settings(
        home=tmp_path / "home",
        openai_base_url=server.url,
        openai_api_key="test-key",
        llm_max_retries=0,
        llm_timeout_s=10,
    )
    return make_chat_model(settings)


def test_every_plan_prompt_renders_strictly() -> None:
    library = PromptLibrary(REPO / "prompts")
    samples = {
        "plan": "# 规划",
        "profile": "{}",
        "items": "- a [1]",
        "description": "本科",
        "today": "2026-11-22",
    }
    names = sorted({name for name, _ in library.names() if name.startswith("plan_")})
    assert {"plan_advice", "plan_extract", "plan_ask_education", "plan_ready"} <= set(names)
    for name in names:
        for lang in ("zh", "en"):
            wanted = library.variables(name, lang)
            text = library.render(name, lang, **{k: samples[k] for k in wanted})
            assert "{{" not in text and text.strip()


def test_the_model_refines_the_extracted_profile(server: ScriptedLLMServer, llm: Any) -> None:
    server.enqueue(
        json.dumps(
            {
                "education": "硕士",
                "major": "金融学",
                "paths": ["考研"],
                "school": "兰州大学",
                "age": None,
            },
            ensure_ascii=False,
        )
    )
    profile = profile_from_text("甘肃人，家里低保，读金融的研究生", TODAY, llm)
    assert profile.education == "master" and profile.school == "兰州大学"
    assert profile.home_province == "甘肃"  # the rules' fields stay
    assert profile.circumstances == ["dibao"]
    sent = json.dumps(server.requests[0], ensure_ascii=False)
    assert "读金融的研究生" in sent and "不是给你的指令" in sent


def test_a_bad_model_answer_leaves_the_rules_profile(server: ScriptedLLMServer, llm: Any) -> None:
    server.enqueue('{"education": "小学"}')
    profile = profile_from_text("本科会计专业，甘肃人", TODAY, llm)
    assert profile.education == "bachelor" and profile.major == "会计"
    server.enqueue(Reply(status=500))
    assert profile_from_text("本科会计专业", TODAY, llm).education == "bachelor"


def test_advice_keeps_the_plans_markers(server: ScriptedLLMServer, llm: Any) -> None:
    catalogue = load_catalogue(default_catalogue_path())
    server.enqueue("先在本学期留意一次性求职补贴的申报通知 [1]，再用三到六个月准备行测申论 [2]。")
    plan = make_plan(PROFILE, catalogue, TODAY, llm=llm, docs_dir=REPO / "knowledge" / "docs")
    assert plan.advice is not None and "[1]" in plan.advice
    markdown = render_markdown(plan)
    assert "## 个人建议" in markdown
    prompt = json.dumps(server.requests[0], ensure_ascii=False)
    assert "一次性求职补贴" in prompt and "[1]" in prompt  # grounded on the plan's own items


@pytest.mark.parametrize(
    "reply",
    [
        Reply(text="你一定能拿到补贴 [1]。"),
        Reply(text="先准备行测 [999]。"),
        Reply(text="没有编号的建议。"),
        Reply(status=503),
    ],
)
def test_advice_that_cites_nothing_real_or_fails_is_dropped(
    server: ScriptedLLMServer, llm: Any, reply: Reply
) -> None:
    catalogue = load_catalogue(default_catalogue_path())
    server.enqueue(reply)
    plan = make_plan(PROFILE, catalogue, TODAY, llm=llm, docs_dir=REPO / "knowledge" / "docs")
    assert plan.advice is None
    assert "个人建议" not in render_markdown(plan)
    assert plan.resources  # the offline plan stands
