"""The store's daily-use parts: a graduate's conversations, reviews and the queue order, the time
zone of filters and day counts, verified answers, knowledge gaps and evaluation jobs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.chat.models import Answer
from bot.errors import NotFoundError, ValidationFailed
from bot.store import Store, TranscriptFilter
from bot.store.knowledge_gaps import GapGroup
from bot.store.models import VerifiedCitation


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 01:30 on Dec 1 in Beijing

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[Store]:
    with Store.from_url(database_url, clock=clock) as opened:
        yield opened


def reply(text: str = "可以申请[1]。", **fields: object) -> Answer:
    return Answer(answer=text, **fields)  # type: ignore[arg-type]


def test_a_sessions_conversations_rename_delete_and_regenerate(store: Store, clock: Clock) -> None:
    sid = store.ensure_session(None)
    first = store.conversation_for_session(sid).id
    store.add_exchange(sid, "三支一扶是什么？", reply(), 5)
    second = store.new_conversation(sid)
    clock.advance(minutes=1)
    store.add_exchange(sid, "西部计划几年？电话13812345678", reply(), 5, conversation_id=second)
    clock.advance(minutes=1)
    store.add_exchange(sid, "那怎么报名？", reply(), 5, conversation_id=first)
    listed = store.session_conversations(sid)
    assert [c.id for c in listed] == [first, second]  # most recently used first
    assert listed[1].title == "西部计划几年？电话[电话]" and listed[0].turn_count == 2
    store.rename_conversation(sid, first, "我的  问题 QQ 12345678")
    assert store.session_conversations(sid)[0].title.startswith("我的 问题")
    with pytest.raises(ValidationFailed):
        store.rename_conversation(sid, first, "长" * 201)
    other = store.ensure_session(None)
    for refused in (
        lambda: store.rename_conversation(other, first, "x"),
        lambda: store.delete_conversation(other, first),
        lambda: store.add_exchange(other, "q", reply(), 1, conversation_id=first),
        lambda: store.conversation_for_session(other, first),
    ):
        with pytest.raises(NotFoundError):
            refused()
    assert store.delete_last_turn(sid, first) == "那怎么报名？"
    assert [t.question for t in store.conversation_for_session(sid, first).turns] == [
        "三支一扶是什么？"
    ]
    store.delete_conversation(sid, first)
    assert [c.id for c in store.list_conversations()] == [second]
    with pytest.raises(NotFoundError):
        store.delete_last_turn(sid, store.new_conversation(sid))


def test_review_marks_and_the_queue_order(store: Store, clock: Clock) -> None:
    sessions = [store.ensure_session(None) for _ in range(3)]
    store.add_exchange(sessions[0], "普通问题", reply(), 1)
    clock.advance(minutes=1)
    store.add_exchange(sessions[1], "我不想活了", reply(intent="distress", flagged=True), 1)
    clock.advance(minutes=1)
    store.add_exchange(sessions[2], "最新的问题", reply(), 1)
    ids = {s.first_question: s.id for s in store.list_conversations()}
    queue = TranscriptFilter(order="queue")
    assert [s.first_question for s in store.list_conversations(queue)] == [
        "我不想活了",
        "最新的问题",
        "普通问题",
    ]
    assert store.list_conversations(queue)[0].distress_waiting
    clock.advance(minutes=1)
    store.mark_reviewed(ids["最新的问题"], "li")
    store.mark_reviewed(ids["我不想活了"], "li")
    assert store.unreviewed_distress_count() == 0  # reviewing a flagged conversation counts
    order = [s.first_question for s in store.list_conversations(queue)]
    assert order == ["普通问题", "最新的问题", "我不想活了"]
    reviewed = store.get_conversation(ids["最新的问题"])
    assert reviewed.reviewed_by == "li" and reviewed.reviewed_at == clock.now
    unreviewed = TranscriptFilter(reviewed=False)
    assert [s.first_question for s in store.list_conversations(unreviewed)] == ["普通问题"]
    clock.advance(minutes=1)
    store.add_exchange(sessions[2], "又问了一个", reply(), 1)  # new turns: unreviewed again
    assert store.count_conversations(unreviewed) == 2


def test_filters_and_day_counts_use_the_configured_zone(database_url: str, clock: Clock) -> None:
    with Store.from_url(database_url, clock=clock, tz=ZoneInfo("Asia/Shanghai")) as store:
        sid = store.ensure_session(None)
        turn = store.add_exchange(sid, "凌晨的问题", reply(latency_ms=10), 120)
        store.record_feedback(turn, sid, -1)
        clock.advance(minutes=1)
        store.add_exchange(sid, "火星", reply("不知道", abstained=True), 300)
        store.add_exchange(sid, "难受", reply(intent="distress", flagged=True), 80)
        beijing_day = date(2026, 12, 1)  # 17:30 UTC on Nov 30
        assert store.count_conversations(TranscriptFilter(date_from=beijing_day)) == 1
        day = {d.day: d for d in store.day_stats(beijing_day - timedelta(days=1), beijing_day)}
        assert day[beijing_day - timedelta(days=1)].answers == 0
        today = day[beijing_day]
        assert (today.conversations, today.answers, today.abstained) == (1, 3, 1)
        assert (today.rated, today.negative, today.distress_flags) == (1, 1, 1)
        assert sorted(today.latencies_ms) == [80, 120, 300]
        assert today.intents == {"policy": 2, "distress": 1}
        asked = store.asked_unanswered()
        assert [(q.question, q.abstained, q.negative) for q in asked] == [
            ("火星", True, False),
            ("凌晨的问题", False, True),
        ]
    with Store.from_url(database_url, clock=clock, tz=ZoneInfo("UTC")) as utc:
        assert utc.count_conversations(TranscriptFilter(date_from=date(2026, 12, 1))) == 0


def test_verified_answers_add_withdraw_and_tell_once(store: Store, clock: Clock) -> None:
    cite = VerifiedCitation(doc_id="d1", chunk_id="d1-0000-aa", title="通知", text="原文")
    made = store.verified.add(
        ["  低保家庭 有补贴吗？", ""], "有[1]。", [cite], "li", expires_on=date(2027, 6, 30)
    )
    assert made.questions == ["低保家庭 有补贴吗？"] and made.approved_by == "li"
    for bad in (
        lambda: store.verified.add([], "a", [cite], "li"),
        lambda: store.verified.add(["q"], " ", [cite], "li"),
        lambda: store.verified.add(["q"], "a", [], "li"),
        lambda: store.verified.add(["q"], "a", [cite], "li", expires_on=date(2026, 1, 1)),
        lambda: store.verified.add(["q"], "a", [cite], "li", lang="fr"),
    ):
        with pytest.raises(ValidationFailed):
            bad()
    store.verified.record_served(made.id)
    assert store.verified.get(made.id).served == 1
    store.verified.withdraw(made.id, "document changed")
    assert store.verified.active() == []
    assert [a.id for a in store.verified.unseen_withdrawals()] == [made.id]
    store.verified.acknowledge([made.id])
    assert store.verified.unseen_withdrawals() == []
    mine = store.verified.add(["q"], "a", [cite], "li")
    assert store.verified.withdraw(mine.id, "by hand", "li").withdrawn_seen  # own: no notice
    with pytest.raises(NotFoundError):
        store.verified.get(999)


def test_gaps_keep_their_status_when_questions_are_regrouped(store: Store, clock: Clock) -> None:
    now = clock.now
    group = GapGroup(
        "四川灵活就业社保补贴多少？", [1, 2], ["四川灵活就业社保补贴多少？"], 2, now, now
    )
    (gap,) = store.gaps.sync([group])
    assert gap.status == "open" and gap.asked == 2
    store.gaps.set_status(gap.id, "wont_cover", "wang", "地方文件不收录")
    grown = GapGroup("四川灵活就业社保补贴标准", [2, 3, 4], ["…"], 3, now, now + timedelta(days=1))
    other = GapGroup("火星补贴", [9], ["火星补贴"], 1, now, now)
    gaps = store.gaps.sync([grown, other])
    kept = next(g for g in gaps if g.id == gap.id)
    assert (kept.status, kept.note, kept.asked, kept.label) == (
        "wont_cover",
        "地方文件不收录",
        3,
        "四川灵活就业社保补贴标准",
    )
    assert [g.label for g in store.gaps.find("open")] == ["火星补贴"]
    with pytest.raises(ValidationFailed):
        store.gaps.set_status(gap.id, "done", "wang")


def test_eval_jobs_progress_cancel_and_a_dead_worker(store: Store) -> None:
    job = store.jobs.create("safety", "datasets", "wang")
    assert job.status == "queued"
    store.jobs.started(job.id, os.getpid())  # this process stands in for a live worker
    assert store.jobs.progress(job.id, 3, 10, "safety / test") is False
    assert store.jobs.request_cancel(job.id).status == "running"  # the worker stops itself
    assert store.jobs.progress(job.id, 4, 10) is True
    store.jobs.finish(job.id, "cancelled", "cancelled")
    assert store.jobs.get(job.id).status == "cancelled"
    dead = store.jobs.create("answers", "live", "wang")
    store.jobs.started(dead.id, 2**22 + 12345)  # no such process
    seen = store.jobs.get(dead.id)
    assert seen.status == "failed" and "stopped" in seen.message
    assert [j.id for j in store.jobs.recent()] == [dead.id, job.id]
