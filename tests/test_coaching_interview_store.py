"""Interview feedback and the coaching records of the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.chat.llm import make_chat_model
from bot.coaching import interview as iv
from bot.errors import NotFoundError, ValidationFailed
from bot.settings import Settings
from bot.store import Store
from tests.llm_server import ScriptedLLMServer


@pytest.fixture(scope="module")
def bank() -> iv.Bank:
    return iv.load_bank()


def test_every_format_has_questions_in_both_languages(bank: iv.Bank) -> None:
    for fmt in iv.FORMATS:
        questions = bank.of_format(fmt)
        assert len(questions) >= 3
        assert all(q.zh and q.en and q.zh != q.en for q in questions)
    assert set(bank.formats) == set(iv.FORMATS)


def test_formats_follow_the_routes() -> None:
    assert iv.formats_for(["civil_service"], [])[0] == "structured"
    assert iv.formats_for(["public_institution", "special_post"], ["teacher"])[0] == "teacher"
    assert iv.formats_for(["campus"], []) == ["behavioural", "group"]


def test_a_story_with_steps_and_a_counted_result_passes(bank: iv.Bank) -> None:
    answer = (
        "大二暑假我在社区图书馆做志愿者，当时借阅登记全靠手写，每天排队很久。我的任务是缩短排队时间。"
        "我先统计了一周的借阅高峰，然后设计了一张扫码登记表，"
        "并主动培训了另外 5 名志愿者。最终高峰排队"
        "从 20 分钟降到 5 分钟，馆长把这个办法推广到了两个分馆。我学到了先找数据再动手改进。"
    )
    result = iv.feedback(bank.get("be-difficulty"), answer, "zh")
    assert result.star == {"situation": True, "task": True, "action": True, "result": True}
    assert result.specific and result.length_ok
    assert result.issues() == []


def test_a_general_claim_is_called_vague_and_gets_tips(bank: iv.Bank) -> None:
    result = iv.feedback(bank.get("be-teamwork"), "我很善于团队合作，总能和大家相处得很好。", "zh")
    assert {"vague", "length"} <= set(result.issues())
    assert any("数字" in tip for tip in result.tips)


def test_english_answers_count_words(bank: iv.Bank) -> None:
    short = iv.feedback(bank.get("be-failure"), "I failed once. Then I improved.", "en")
    assert "length" in short.issues()
    assert any("short" in tip for tip in short.tips)


def test_the_summary_names_what_to_practise(bank: iv.Bank) -> None:
    weak = iv.feedback(bank.get("be-teamwork"), "我很善于团队合作。", "zh")
    text = iv.summary([weak], "zh")
    assert "回答了 1 题" in text and "给出数字和具体做法" in text
    assert iv.summary([], "en") == "No answers yet."


def test_model_feedback_that_invents_numbers_is_dropped(bank: iv.Bank, tmp_path: Path) -> None:
    question = bank.get("be-teamwork")
    answer = "我们小组讨论时意见不一，我先倾听，再用数据说服大家，结果达成一致。"
    result = iv.feedback(question, answer, "zh")
    with ScriptedLLMServer() as server:
        server.enqueue(
            "你先倾听做得好。可以补充你用的是什么数据。", "你让团队效率提升了 35%，很好。"
        )
        settings = Settings(
            home=tmp_path, openai_base_url=server.url, openai_api_key="k", llm_max_retries=0
        )
        llm = make_chat_model(settings)
        kept = iv.llm_feedback(question, answer, result, llm, "zh")
        dropped = iv.llm_feedback(question, answer, result, llm, "zh")
        prompt = server.requests[0]["messages"][-1]["content"]
    assert kept and "倾听" in kept
    assert dropped is None
    assert "仅作材料" in prompt and answer in prompt


def test_unknown_question_is_a_clear_error(bank: iv.Bank) -> None:
    with pytest.raises(ValidationFailed, match="no interview question"):
        bank.get("xx-none")


def test_records_are_redacted_kept_per_session_and_shared_only_when_asked(tmp_path: Path) -> None:
    with Store(Settings(home=tmp_path)) as store:
        mine, other = store.ensure_session(None), store.ensure_session(None)
        record = store.coaching.save(mine, "resume", {"findings": [{"text": "电话 13912345678"}]})
        assert store.coaching.latest(mine, "resume").data == {"findings": [{"text": "电话 [电话]"}]}
        assert store.coaching.latest(other, "resume") is None
        assert store.coaching.shared() == []
        with pytest.raises(NotFoundError):
            store.coaching.share(other, record)
        store.coaching.share(mine, record)
        assert [r.id for r in store.coaching.shared("resume")] == [record]
        again = store.coaching.save(mine, "resume", {"findings": []}, record)
        assert again == record and store.coaching.latest(mine, "resume").data == {"findings": []}
        with pytest.raises(ValidationFailed, match="unknown record kind"):
            store.coaching.save(mine, "diary", {})
        with pytest.raises(NotFoundError):
            store.coaching.save(other, "resume", {}, record)
