"""``careercoach users …`` and ``careercoach transcripts …`` against the default SQLite store."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.chat.models import Answer
from bot.cli import cli, main
from bot.cli.admin import commands, parse_duration
from bot.settings import Settings
from bot.store import Store


@pytest.fixture
def run() -> CliRunner:
    for command in commands:
        cli.add_command(command)
    return CliRunner()


@pytest.fixture
def home_settings(tmp_path: Path) -> Settings:
    """The settings the CLI builds from CAREERCOACH_HOME (set by conftest)."""
    return Settings(home=tmp_path / "home")


def test_users_add_list_remove(run: CliRunner, home_settings: Settings) -> None:
    added = run.invoke(
        cli,
        ["users", "add", "Li", "--role", "maintainer", "--password-stdin"],
        input="s3cret-pass\n",
    )
    assert added.exit_code == 0, added.output
    assert "added li (maintainer)" in added.output
    prompted = run.invoke(cli, ["users", "add", "wang"], input="pw-of-wang\npw-of-wang\n")
    assert prompted.exit_code == 0, prompted.output
    listed = run.invoke(cli, ["users", "list"])
    assert [line.split("\t")[:2] for line in listed.output.splitlines()] == [
        ["li", "maintainer"],
        ["wang", "counselor"],
    ]
    with Store(home_settings) as store:
        assert store.authenticate("li", "s3cret-pass").role == "maintainer"
        assert store.authenticate("wang", "pw-of-wang").role == "counselor"
    assert run.invoke(cli, ["users", "remove", "wang"]).exit_code == 0
    assert "wang" not in run.invoke(cli, ["users", "list"]).output


def test_prompted_passwords_must_match(run: CliRunner) -> None:
    result = run.invoke(cli, ["users", "add", "zhao"], input="first-pass\nother-pass\nx\n")
    assert result.exit_code != 0
    assert "zhao" not in run.invoke(cli, ["users", "list"]).output


def test_user_errors_exit_2_with_the_reason(
    run: CliRunner, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["users", "remove", "ghost"]) == 2
    assert "user 'ghost' does not exist" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "qian", "--password-stdin"]) == 2
    assert "at least 8 characters" in capsys.readouterr().err


def _fill(settings: Settings) -> None:
    """An old conversation (200 days ago) and a recent flagged one with 👎."""
    old = datetime.now(UTC) - timedelta(days=200)
    with Store(settings, clock=lambda: old) as past:
        sid = past.ensure_session(None)
        past.add_exchange(sid, "去年的问题：西部计划", Answer(answer="旧答案"), 10)
    with Store(settings) as store:
        sid = store.ensure_session(None)
        turn = store.add_exchange(
            sid,
            "我的电话13812345678，压力好大",
            Answer(answer="……", intent="distress", flagged=True),
            20,
        )
        store.record_feedback(turn, sid, -1, "没帮助")


def test_export_jsonl_to_stdout_and_csv_to_a_file(
    run: CliRunner, home_settings: Settings, tmp_path: Path
) -> None:
    _fill(home_settings)
    out = run.invoke(cli, ["transcripts", "export"])
    assert out.exit_code == 0, out.output
    records = [json.loads(line) for line in out.output.splitlines()]
    assert sorted(r["question"] for r in records) == [
        "去年的问题：西部计划",
        "我的电话[电话]，压力好大",
    ]
    target = tmp_path / "flagged.csv"
    out = run.invoke(
        cli, ["transcripts", "export", "--format", "csv", "--output", str(target), "--flagged"]
    )
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [(r["intent"], r["rating"], r["feedback_comment"]) for r in rows] == [
        ("distress", "-1", "没帮助")
    ]
    out = run.invoke(cli, ["transcripts", "export", "--negative-feedback", "--text", "西部"])
    assert out.output == ""


def test_list_show_and_purge(run: CliRunner, home_settings: Settings) -> None:
    _fill(home_settings)
    listed = run.invoke(cli, ["transcripts", "list"]).output.splitlines()
    assert len(listed) == 2 and "⚑" in listed[0] and "👎1" in listed[0]
    newest = int(listed[0].split("\t")[0])
    shown = json.loads(run.invoke(cli, ["transcripts", "show", str(newest)]).output)
    assert shown["flagged"] and shown["turns"][0]["feedback"]["rating"] == -1
    purged = run.invoke(cli, ["transcripts", "purge", "--older-than", "180d"])
    assert purged.exit_code == 0 and "purged 1 conversations" in purged.output
    assert len(run.invoke(cli, ["transcripts", "list"]).output.splitlines()) == 1
    bad = run.invoke(cli, ["transcripts", "purge", "--older-than", "soon"])
    assert bad.exit_code != 0 and "180d" in bad.output


def test_purge_defaults_to_retention_days(
    run: CliRunner, home_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(home_settings)
    monkeypatch.setenv("CAREERCOACH_RETENTION_DAYS", "365")
    assert (
        "purged 0 conversations older than 365 days"
        in run.invoke(cli, ["transcripts", "purge"]).output
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("180d", timedelta(days=180)),
        ("12h", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
        ("30", timedelta(days=30)),
        ("45m", timedelta(minutes=45)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
