"""The store's transcript side on real SQLite and real PostgreSQL: sessions, exchanges, feedback,
annotations, flags, the counselor's filters, export and purge."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.chat.models import Answer, Citation
from bot.errors import NotFoundError, ValidationFailed
from bot.settings import Settings
from bot.store import Store, TranscriptFilter
from bot.store.database import head_revision
from bot.store.tables import Base


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in China

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


def answer(text: str = "可以申请一次性求职补贴[1]。", **fields: object) -> Answer:
    citation = Citation(
        n=1,
        title="关于做好一次性求职创业补贴发放工作的通知",
        section="二、补贴对象",
        page=2,
        source="policy.pdf",
        text="对在毕业学年有就业创业意愿并积极求职创业的低保家庭……给予一次性求职创业补贴。",
        score=0.82,
        doc_id="d1",
        chunk_id="d1#3",
    )
    values: dict[str, object] = {"answer": text, "citations": [citation], "mode": "offline"}
    values.update(fields)
    return Answer.model_validate(values)


def test_exchange_round_trip_keeps_answer_and_redacts_personal_data(store: Store) -> None:
    sid = store.ensure_session(None)
    turn_id = store.add_exchange(
        sid,
        "我叫王小明，手机13912345678，身份证110105199912310023，能领一次性求职补贴吗？",
        answer(
            standalone_query="王小明 13912345678 一次性求职补贴 条件",
            extra={"plan": "联系我 a@b.cn"},
        ),
        latency_ms=842,
    )
    conv = store.get_conversation(store.list_conversations()[0].id)
    turn = conv.turns[0]
    assert turn.id == turn_id
    assert turn.question == "我叫[姓名]，手机[电话]，身份证[身份证号]，能领一次性求职补贴吗？"
    # a bare name without 我叫 is not recognised; the phone number is
    assert turn.answer.standalone_query == "王小明 [电话] 一次性求职补贴 条件"
    assert "13912345678" not in turn.answer.standalone_query
    assert turn.answer.extra == {"plan": "联系我 [邮箱]"}
    assert turn.latency_ms == 842
    assert turn.answer.citations[0].title.startswith("关于做好一次性求职创业补贴")
    assert turn.answer.citations[0].page == 2
    assert turn.answer.citations[0].text.endswith("一次性求职创业补贴。")
    assert turn.answer.mode == "offline"
    assert turn.created_at.tzinfo is not None


def test_raw_database_never_holds_the_phone_number_or_the_session_id(
    store: Store, database_url: str
) -> None:
    sid = store.ensure_session(None)
    store.add_exchange(sid, "电话 138-0013-8000，邮箱 li.hua@example.com", answer(), 10)
    with store.engine.connect() as conn:
        dump = " ".join(
            str(row)
            for table in ("turns", "sessions", "conversations")
            for row in conn.execute(text(f"SELECT * FROM {table}"))
        )
    assert "138-0013-8000" not in dump and "li.hua" not in dump
    assert sid not in dump
    assert "[电话]" in dump and "[邮箱]" in dump


def test_sessions_are_kept_apart(store: Store) -> None:
    alice, bob = store.ensure_session(None), store.ensure_session(None)
    assert alice != bob
    store.add_exchange(alice, "三支一扶报名时间？", answer("每年5月前后[1]。"), 5)
    store.add_exchange(bob, "特岗教师的待遇？", answer("按当地教师工资标准[1]。"), 5)
    assert [t.question for t in store.conversation_for_session(alice).turns] == [
        "三支一扶报名时间？"
    ]
    assert [t.question for t in store.conversation_for_session(bob).turns] == ["特岗教师的待遇？"]
    history = store.conversation_for_session(alice).history()
    assert [(t.role, t.text) for t in history] == [
        ("user", "三支一扶报名时间？"),
        ("assistant", "每年5月前后[1]。"),
    ]


def test_the_server_issues_session_ids_and_replaces_unknown_ones(store: Store) -> None:
    issued = store.ensure_session(None)
    assert len(issued) >= 43  # 32 random bytes (256 bits), URL-safe
    assert store.ensure_session(issued) == issued  # a known id is kept
    chosen = ["aaaaaaaaaaaaaaaa", "student-2021123456", "1234", "", "x" * 500, "a b c d e f g h i"]
    fresh = [store.ensure_session(token) for token in chosen]
    assert not set(fresh) & set(chosen) and len(set(fresh)) == len(chosen)
    assert not store.knows_session("aaaaaaaaaaaaaaaa")
    with pytest.raises(NotFoundError):
        store.conversation_for_session("student-2021123456")


def test_an_id_the_server_vouches_for_is_created_as_it_is(store: Store) -> None:
    token = "signed-cookie-session-0123456789abcdef"
    assert store.ensure_session(token, issued=True) == token
    store.add_exchange(token, "西部计划是什么？", answer(), 1)
    assert len(store.conversation_for_session(token).turns) == 1
    assert store.ensure_session("1234", issued=True) != "1234"  # malformed: never kept


def test_new_conversation_starts_empty_and_takes_new_turns(store: Store) -> None:
    sid = store.ensure_session(None)
    store.add_exchange(sid, "第一个问题", answer(), 1)
    first_id = store.list_conversations()[0].id
    new_id = store.new_conversation(sid)
    assert new_id != first_id
    assert store.conversation_for_session(sid).turns == []
    store.add_exchange(sid, "第二个问题", answer(), 1)
    assert [t.question for t in store.get_conversation(new_id).turns] == ["第二个问题"]
    assert [t.question for t in store.get_conversation(first_id).turns] == ["第一个问题"]


def test_feedback_is_one_per_turn_and_rerating_replaces(store: Store) -> None:
    sid = store.ensure_session(None)
    turn_id = store.add_exchange(sid, "创业担保贷款额度？", answer(), 1)
    store.record_feedback(turn_id, sid, -1, "没说清楚额度，电话13700001111")
    store.record_feedback(turn_id, sid, +1)
    conv = store.conversation_for_session(sid)
    assert conv.turns[0].feedback is not None
    assert conv.turns[0].feedback.rating == 1
    assert conv.turns[0].feedback.comment == ""
    store.record_feedback(turn_id, sid, -1, "额度写错了，我电话13700001111")
    got = store.get_conversation(conv.id).turns[0].feedback
    assert got is not None and got.rating == -1 and got.comment == "额度写错了，我电话[电话]"
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM feedback")).scalar() == 1


def test_feedback_only_from_the_owning_session_and_only_plus_or_minus_one(store: Store) -> None:
    owner, other = store.ensure_session(None), store.ensure_session(None)
    turn_id = store.add_exchange(owner, "就业见习补贴多少？", answer(), 1)
    with pytest.raises(NotFoundError):
        store.record_feedback(turn_id, other, -1)
    with pytest.raises(NotFoundError):
        store.record_feedback(turn_id + 1000, owner, 1)
    with pytest.raises(ValidationFailed):
        store.record_feedback(turn_id, owner, 5)
    assert store.conversation_for_session(owner).turns[0].feedback is None


def test_distress_answer_flags_the_conversation(store: Store) -> None:
    sid = store.ensure_session(None)
    store.add_exchange(
        sid, "考研失败了，活着没意思", answer("你并不孤单……", intent="distress", flagged=True), 3
    )
    conv = store.get_conversation(store.list_conversations()[0].id)
    assert conv.flagged and conv.flag_reason == "auto: distress"
    assert [(e.action, e.by_user) for e in conv.flag_events] == [("flag", "system")]
    assert conv.turns[0].answer.flagged
    # the graduate's own view shows neither the flag nor counselors' notes
    own = store.conversation_for_session(sid)
    assert not own.flagged and own.flag_events == []


def test_flag_unflag_and_annotations(store: Store, clock: Clock) -> None:
    sid = store.ensure_session(None)
    turn_id = store.add_exchange(sid, "特岗教师能考研吗？", answer(), 1)
    conv_id = store.list_conversations()[0].id
    store.flag(conv_id, "答案引用了过期文件", "counselor_li")
    clock.advance(minutes=5)
    store.unflag(conv_id, "counselor_wang")
    conv = store.get_conversation(conv_id)
    assert not conv.flagged and conv.flag_reason == ""
    assert [(e.action, e.by_user, e.reason) for e in conv.flag_events] == [
        ("flag", "counselor_li", "答案引用了过期文件"),
        ("unflag", "counselor_wang", ""),
    ]
    store.annotate(turn_id, "counselor_li", correct=False, citations_ok=True, note="年限说错")
    store.annotate(
        turn_id, "counselor_li", correct=True, citations_ok=True, tone_ok=True, note="改正"
    )
    store.annotate(turn_id, "counselor_wang", tone_ok=False)
    notes = store.get_conversation(conv_id).turns[0].annotations
    assert [(a.by_user, a.correct, a.citations_ok, a.tone_ok, a.note) for a in notes] == [
        ("counselor_li", True, True, True, "改正"),
        ("counselor_wang", None, None, False, ""),
    ]
    assert store.conversation_for_session(sid).turns[0].annotations == []
    with pytest.raises(NotFoundError):
        store.annotate(turn_id + 99, "x")
    with pytest.raises(NotFoundError):
        store.flag(conv_id + 99, "r", "x")
    with pytest.raises(NotFoundError):
        store.get_conversation(conv_id + 99)


@pytest.fixture
def varied(store: Store, clock: Clock) -> dict[str, int]:
    """Four conversations on different days with different traits; returns their ids by name."""
    ids: dict[str, int] = {}

    def talk(name: str, question: str, reply: Answer, rating: int | None = None) -> None:
        sid = store.ensure_session(None)
        turn_id = store.add_exchange(sid, question, reply, 100)
        if rating is not None:
            store.record_feedback(turn_id, sid, rating)
        ids[name] = store.conversation_for_session(sid).id
        clock.advance(days=1)

    talk("subsidy", "一次性求职补贴要怎么申领？", answer(), rating=1)  # 2026-03-02
    talk(
        "abstain",
        "Can I get a Hukou in Shanghai?",
        answer("I don't know.", abstained=True, citations=[], lang="en"),
    )
    talk("planning", "帮我做个职业规划", answer("第一步……", intent="planning"), rating=-1)
    talk("distress", "压力太大了", answer("……", intent="distress", flagged=True))  # 2026-03-05
    return ids


def _ids(store: Store, **criteria: object) -> set[int]:
    return {s.id for s in store.list_conversations(TranscriptFilter.model_validate(criteria))}


def test_filters_select_the_right_conversations(store: Store, varied: dict[str, int]) -> None:
    every = set(varied.values())
    assert _ids(store) == every
    assert _ids(store, intent="planning") == {varied["planning"]}
    assert _ids(store, abstained=True) == {varied["abstain"]}
    assert _ids(store, abstained=False) == every - {varied["abstain"]}
    assert _ids(store, negative_feedback=True) == {varied["planning"]}
    assert _ids(store, negative_feedback=False) == every - {varied["planning"]}
    assert _ids(store, flagged=True) == {varied["distress"]}
    assert _ids(store, text="求职补贴") == {varied["subsidy"]}
    assert _ids(store, text="hukou") == {varied["abstain"]}  # case-insensitive
    assert _ids(store, text="100%") == set()  # % is literal, not a wildcard
    assert _ids(store, date_from=date(2026, 3, 3), date_to=date(2026, 3, 4)) == {
        varied["abstain"],
        varied["planning"],
    }
    assert _ids(store, date_from=date(2026, 3, 5)) == {varied["distress"]}
    assert _ids(store, intent="planning", negative_feedback=False) == set()


def test_summaries_page_newest_first_with_counts(store: Store, varied: dict[str, int]) -> None:
    page1 = store.list_conversations(TranscriptFilter(limit=2))
    page2 = store.list_conversations(TranscriptFilter(limit=2, offset=2))
    assert [s.id for s in page1 + page2] == [
        varied["distress"],
        varied["planning"],
        varied["abstain"],
        varied["subsidy"],
    ]
    by_id = {s.id: s for s in page1 + page2}
    assert by_id[varied["planning"]].negative_feedback == 1
    assert by_id[varied["subsidy"]].positive_feedback == 1
    assert by_id[varied["abstain"]].abstained_turns == 1
    assert by_id[varied["abstain"]].lang == "en"
    assert by_id[varied["distress"]].flagged
    assert by_id[varied["subsidy"]].first_question == "一次性求职补贴要怎么申领？"
    assert by_id[varied["planning"]].intents == ["planning"]


def test_export_jsonl_and_csv_follow_the_filter(store: Store, varied: dict[str, int]) -> None:
    lines = store.export(TranscriptFilter(limit=None), fmt="jsonl").splitlines()
    records = [json.loads(line) for line in lines]
    assert {r["conversation_id"] for r in records} == set(varied.values())
    planning = next(r for r in records if r["conversation_id"] == varied["planning"])
    assert planning["rating"] == -1 and planning["intent"] == "planning"
    assert planning["citations"][0]["chunk_id"] == "d1#3"
    rows = list(csv.DictReader(io.StringIO(store.export(TranscriptFilter(flagged=True), "csv"))))
    assert [r["question"] for r in rows] == ["压力太大了"]
    assert rows[0]["conversation_flagged"] == "True"
    assert rows[0]["rating"] == ""
    with pytest.raises(ValidationFailed):
        store.export(TranscriptFilter(), fmt="xml")  # type: ignore[arg-type]


def test_purge_removes_old_conversations_and_everything_under_them(
    store: Store, clock: Clock, varied: dict[str, int]
) -> None:
    # the clock now stands on 2026-03-06 02:00 UTC; conversations are 4, 3, 2 and 1 days old
    store.annotate(store.get_conversation(varied["subsidy"]).turns[0].id, "li", correct=True)
    assert store.purge(timedelta(days=2, hours=12)) == 2
    assert _ids(store) == {varied["planning"], varied["distress"]}
    with pytest.raises(NotFoundError):
        store.get_conversation(varied["subsidy"])
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM turns")).scalar() == 2
        assert conn.execute(text("SELECT count(*) FROM feedback")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM annotations")).scalar() == 0
    assert store.purge(timedelta(days=30)) == 0


def test_session_outlives_a_purge_of_its_conversation(store: Store, clock: Clock) -> None:
    sid = store.ensure_session(None)
    store.add_exchange(sid, "旧问题", answer(), 1)
    clock.advance(days=200)
    assert store.purge(timedelta(days=180)) == 1
    store.add_exchange(sid, "新问题", answer(), 1)
    assert [t.question for t in store.conversation_for_session(sid).turns] == ["新问题"]


def test_migrations_match_the_models_and_reopen_is_idempotent(
    store: Store, database_url: str
) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert diff == []
    assert version == head_revision()
    with Store.from_url(database_url) as again:
        assert again.list_conversations() == []
    tables = set(inspect(store.engine).get_table_names())
    assert {"turns", "feedback", "annotations", "users", "login_attempts"} <= tables


def test_sqlite_default_lives_under_home_in_wal_mode(settings: Settings) -> None:
    with Store(settings) as store, store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert (settings.home / "careercoach.sqlite3").exists()


def test_two_store_objects_share_one_sqlite_file(settings: Settings) -> None:
    with Store(settings) as web, Store(settings) as cli:
        sid = web.ensure_session(None)
        web.add_exchange(sid, "三支一扶", answer(), 1)
        assert [s.turn_count for s in cli.list_conversations()] == [1]


def test_concurrent_writers_lose_nothing(database_url: str) -> None:
    """Four threads, each with its own Store (as web workers and a CLI would), write at once."""
    from concurrent.futures import ThreadPoolExecutor

    Store.from_url(database_url).close()  # migrate once, as the first process would

    def worker(n: int) -> list[int]:
        with Store.from_url(database_url) as own:
            sid = own.ensure_session(None)
            turns = [own.add_exchange(sid, f"问题{n}-{i}", answer(), i) for i in range(15)]
            for turn_id in turns[::3]:
                own.record_feedback(turn_id, sid, -1 if n % 2 else 1)
            return turns

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(worker, range(4)))
    assert len({t for turns in results for t in turns}) == 60
    with Store.from_url(database_url) as store:
        summaries = store.list_conversations()
        assert sorted(s.turn_count for s in summaries) == [15, 15, 15, 15]
        assert sum(s.negative_feedback for s in summaries) == 10
        assert sum(s.positive_feedback for s in summaries) == 10


def test_initial_migration_downgrades_and_upgrades_again(database_url: str) -> None:
    from bot.store.database import current_revision, downgrade, head_revision, upgrade

    with Store.from_url(database_url) as store:
        downgrade(store.engine, "base")
        assert current_revision(store.engine) is None
        assert "turns" not in inspect(store.engine).get_table_names()
        upgrade(store.engine)
        assert current_revision(store.engine) == head_revision()
        sid = store.ensure_session(None)
        store.add_exchange(sid, "又一次", answer(), 1)
        assert store.list_conversations()[0].turn_count == 1


def test_a_new_session_created_by_racing_requests_ends_up_once(store: Store) -> None:
    """A page load and a first question may both create the same new session at once."""
    import threading

    sid = "race-session-0123456789abcdef"
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def create() -> None:
        try:
            start.wait()
            assert store.ensure_session(sid, issued=True) == sid
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    store.add_exchange(sid, "你好", answer("你好[1]。"), latency_ms=5)
    assert len(store.conversation_for_session(sid).turns) == 1
