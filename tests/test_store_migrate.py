"""``careercoach store migrate --to URL``: a SQLite store moved into the real PostgreSQL server
that tests/pg.py starts, with everything a school keeps, and new writes after the move."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.chat.models import Answer
from bot.cli import main
from bot.settings import Settings
from bot.store import Store
from bot.store.migrate import migrate
from tests.pg import PostgresServer


def _school(store: Store) -> None:
    store.add_user("wang", "counselor", "counselor-password")
    for n in range(3):
        session = store.ensure_session(None)
        asked = f"第{n}个问题：我的电话13812345678"
        first = store.add_exchange(session, asked, Answer(answer="答"), 9)
        store.record_feedback(first, session, -1 if n else 1, "评价")
        store.add_exchange(
            session, "压力好大", Answer(answer="……", intent="distress", flagged=True), 11
        )
    conversation = store.list_conversations()[0].id
    store.annotate(store.get_conversation(conversation).turns[0].id, "wang", note="已回访")


def _everything(store: Store) -> list[str]:
    return [store.get_conversation(c.id).model_dump_json() for c in store.list_conversations()]


@pytest.mark.postgres
def test_migrate_copies_every_row_and_the_new_store_takes_new_ones(
    postgres_server: PostgresServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("CAREERCOACH_HOME", str(home))
    with Store(Settings(home=home)) as sqlite_store:
        _school(sqlite_store)
        before = _everything(sqlite_store)
        exported = sqlite_store.export()
    target = postgres_server.new_database()
    try:
        assert main(["store", "migrate", "--to", target]) == 0
        out = capsys.readouterr().out
        assert "turns" in out and "copied" in out
        with Store.from_url(target) as moved:
            assert _everything(moved) == before
            assert moved.export() == exported
            assert moved.authenticate("wang", "counselor-password").role == "counselor"
            # ids continue after the copied ones (the sequences were advanced)
            session = moved.ensure_session(None)
            moved.add_exchange(session, "迁移后的新问题", Answer(answer="新答"), 5)
            assert len(moved.list_conversations()) == 4
        # a second run refuses: the target is no longer empty, and nothing is overwritten
        assert main(["store", "migrate", "--to", target]) == 2
        assert "already holds rows" in capsys.readouterr().err
        monkeypatch.setenv("CAREERCOACH_DATABASE_URL", target)
        assert main(["transcripts", "export"]) == 0
        lines = capsys.readouterr().out.splitlines()
        questions = [json.loads(line)["question"] for line in lines]
        assert len(questions) == 7 and "迁移后的新问题" in questions
    finally:
        postgres_server.drop_database(target)


def test_migrate_refuses_the_database_in_use(tmp_path: Path) -> None:
    from bot.errors import CareerCoachError

    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    with pytest.raises(CareerCoachError, match="already in use"):
        migrate(url, url)
