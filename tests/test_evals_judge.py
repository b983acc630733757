"""The LLM judge against the scripted OpenAI-compatible server on 127.0.0.1 (real client code)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.chat.models import Answer, Citation
from bot.errors import ConfigError
from bot.settings import Settings
from evals.cases import Case
from evals.judge import make_judge, parse_score
from evals.suites.answers import run_answers
from tests.llm_server import Reply, ScriptedLLMServer


@pytest.fixture
def server() -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer() as running:
        yield running


def judge_settings(tmp_path: Path, url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "home": tmp_path / "home",
        "openai_base_url": url,
        "openai_api_key": "test-key",
        "chat_model": "judge-model",
        "llm_timeout_s": 5.0,
        "llm_max_retries": 0,
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ("0.75", 0.75),
        ("评分：1", 1.0),
        ("0.8（5 句中 4 句有依据）", 0.8),
        ("1.0", 1.0),
        ("0", 0.0),
        ("1.5", None),  # out of range: not clipped into a guess
        ("10", None),
        ("无法判断", None),
        ("", None),
    ],
)
def test_parse_score(reply: str, score: float | None) -> None:
    assert parse_score(reply) == score


def test_judge_sends_the_rendered_prompt_and_reads_the_score(
    tmp_path: Path, server: ScriptedLLMServer
) -> None:
    server.enqueue("0.5")
    judge = make_judge(judge_settings(tmp_path, server.url))
    score = judge(
        "创业担保贷款能贷多少？", "个人额度上限一般为20万元[1]。", ["额度上限提高到20万元", "贴息"]
    )
    assert score == 0.5
    (request,) = server.requests
    assert request["model"] == "judge-model" and request["temperature"] == 0
    assert not request.get("stream")
    prompt = request["messages"][0]["content"]
    assert "创业担保贷款能贷多少？" in prompt and "个人额度上限一般为20万元[1]。" in prompt
    assert "[1] 额度上限提高到20万元" in prompt and "[2] 贴息" in prompt
    assert "{{" not in prompt  # every variable rendered


@pytest.mark.parametrize(
    "reply", [Reply(status=500), Reply(status=401), Reply(text="我认为回答大体可信")]
)
def test_an_unusable_judge_reply_counts_as_no_score(
    tmp_path: Path, server: ScriptedLLMServer, reply: Reply
) -> None:
    server.enqueue(reply)
    judge = make_judge(judge_settings(tmp_path, server.url))
    assert judge("问题", "回答[1]。", ["材料"]) is None


def test_a_slow_judge_times_out_into_no_score(tmp_path: Path, server: ScriptedLLMServer) -> None:
    server.enqueue(Reply(text="0.9", delay=2.0))
    judge = make_judge(judge_settings(tmp_path, server.url, llm_timeout_s=0.3))
    assert judge("问题", "回答[1]。", ["材料"]) is None


def test_no_endpoint_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        make_judge(Settings(home=tmp_path / "home"))
    assert "--judge" in error.value.message


def test_faithfulness_is_the_mean_of_the_judged_answers(
    tmp_path: Path, server: ScriptedLLMServer
) -> None:
    """The answers suite asks the judge once per answered case; abstentions are not judged and
    a reply without a score is left out of the mean rather than counted as zero."""
    cases = [
        Case(id="a", question="求职补贴发给谁？", evidence=["发放一次性求职补贴"]),
        Case(id="b", question="创业贷款要还吗？", evidence=["贷款要按期归还"]),
        Case(id="c", question="见习补贴多少钱？", evidence=["见习"]),
        Case(id="d", question="西部计划每月补贴多少？", answerable=False),
    ]
    passage = "学校审核后，及时向符合条件的帮扶对象发放一次性求职补贴。"

    def answer(case: Case) -> Answer:
        if not case.answerable:
            return Answer(answer="资料中没有找到。", abstained=True)
        return Answer(
            answer="符合条件的帮扶对象可以领取一次性求职补贴[1]。",
            citations=[Citation(n=1, title="t", text=passage)],
        )

    server.enqueue("1", "0.5", "看不出来")
    judge = make_judge(judge_settings(tmp_path, server.url))
    result = run_answers(cases, answer, dataset="mini", judge=judge)
    assert len(server.requests) == 3
    assert result.metrics["faithfulness"] == pytest.approx(0.75)
    assert passage in server.requests[0]["messages"][0]["content"]
