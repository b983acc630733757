"""Offline answers on the reference corpus (../shared/corpus), and the CLI over the engine."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.chat.coach import Coach
from bot.chat.crisis import load_crisis
from bot.chat.glossary import Glossary
from bot.chat.numbers import numbers_in
from bot.chat.prompts import PromptLibrary
from tests.chat_fakes import CorpusRetriever, ListRetriever, fixture_models, make_hit


@pytest.fixture
def corpus_coach(shared_corpus: Path) -> Coach:
    retriever = CorpusRetriever(sorted((shared_corpus / "seeds").glob("*.txt")))
    return Coach(
        retriever,
        PromptLibrary(),
        Glossary.load(),
        load_crisis(),
        today=lambda: date(2026, 11, 22),
        **fixture_models(),  # type: ignore[arg-type]
    )


def test_reference_corpus_answers_quote_and_cite(corpus_coach: Coach) -> None:
    answer = corpus_coach.answer("困难家庭毕业生有什么求职帮扶？")
    assert not answer.abstained
    assert "困难" in answer.answer and "帮扶" in answer.answer
    assert answer.citations and all(c.source.endswith(".txt") for c in answer.citations)
    for line in answer.answer.splitlines():
        if "[" in line:
            assert numbers_in(line) <= numbers_in("\n".join(c.text for c in answer.citations))


def test_reference_corpus_number_bait_abstains(corpus_coach: Coach) -> None:
    for question in ["西部计划志愿者每月能拿多少补贴？", "一次性求职补贴每人能发多少？"]:
        answer = corpus_coach.answer(question)
        assert answer.abstained, question
        assert "12333" in answer.answer


@pytest.mark.xfail(
    strict=True,
    reason="known weakness of the rebuilt answerer (issue 9): an English 'which programmes' "
    "question quotes a general sentence on grassroots employment, not the programme list",
)
def test_reference_corpus_english_question(corpus_coach: Coach) -> None:
    answer = corpus_coach.answer("Which grassroots service programmes are open to graduates?")
    assert answer.lang == "en" and not answer.abstained
    assert "西部计划" in answer.answer
    assert "source is in Chinese" in answer.answer


def _fake_build_coach(settings, retriever=None, planner=None, verified=None):  # type: ignore[no-untyped-def]
    hit = make_hit("一次性求职补贴标准为每人1500元，由学校统一申报。", title="补贴办法")
    return Coach(
        ListRetriever([hit]), PromptLibrary(), Glossary.load(), load_crisis(), **fixture_models()
    )


def test_cli_ask_json_prints_the_answer_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.chat.coach
    from bot.cli import _register, cli

    monkeypatch.setattr(bot.chat.coach, "build_coach", _fake_build_coach)
    _register()
    result = CliRunner().invoke(
        cli, ["ask", "一次性求职补贴标准是多少？", "--json", "--offline", "--no-index"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"answer", "citations", "abstained", "mode", "warnings", "intent"} <= data.keys()
    assert data["mode"] == "offline" and "1500元" in data["answer"]
    assert data["citations"][0]["title"] == "补贴办法"


def test_cli_ask_and_chat_print_answers_with_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.chat.coach
    from bot.cli import _register, cli

    monkeypatch.setattr(bot.chat.coach, "build_coach", _fake_build_coach)
    _register()
    result = CliRunner().invoke(cli, ["ask", "一次性求职补贴标准是多少？", "--no-index"])
    assert result.exit_code == 0, result.output
    assert "来源：" in result.output and "[1] 《补贴办法》" in result.output
    chat = CliRunner().invoke(
        cli, ["chat", "--no-index"], input="一次性求职补贴标准是多少？\n怎么申报？\n\n"
    )
    assert chat.exit_code == 0, chat.output
    assert chat.output.count("来源：") == 2
