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
    refused = run.invoke(cli, ["transcripts", "purge", "--older-than", "180d"], input="n\n")
    assert refused.exit_code == 1 and "delete 1 conversations" in refused.output
    assert len(run.invoke(cli, ["transcripts", "list"]).output.splitlines()) == 2
    purged = run.invoke(cli, ["transcripts", "purge", "--older-than", "180d"], input="y\n")
    assert purged.exit_code == 0 and "purged 1 conversations" in purged.output
    assert len(run.invoke(cli, ["transcripts", "list"]).output.splitlines()) == 1
    bad = run.invoke(cli, ["transcripts", "purge", "--older-than", "soon"])
    assert bad.exit_code != 0 and "180d" in bad.output


@pytest.mark.parametrize("period", ["6m", "12h", "0d", "0mo", "30", "-1d"])
def test_purge_refuses_minutes_hours_bare_numbers_and_zero(
    run: CliRunner, home_settings: Settings, period: str
) -> None:
    _fill(home_settings)
    out = run.invoke(cli, ["transcripts", "purge", "--older-than", period, "--yes"])
    assert out.exit_code == 2 and "--older-than" in out.output and "6mo" in out.output
    assert len(run.invoke(cli, ["transcripts", "list"]).output.splitlines()) == 2


@pytest.mark.parametrize(
    ("period", "days"), [("6mo", 180), ("6月", 180), ("26w", 182), ("28周", 196), ("190天", 190)]
)
def test_purge_units_are_days_weeks_months_years(
    run: CliRunner, home_settings: Settings, period: str, days: int
) -> None:
    _fill(home_settings)  # one conversation 200 days old, one from today
    out = run.invoke(cli, ["transcripts", "purge", "--older-than", period, "--yes"])
    assert out.exit_code == 0, out.output
    assert f"purged 1 conversations older than {days} days" in out.output


def test_export_counts_turns_and_conversations_not_lines(
    run: CliRunner, home_settings: Settings, tmp_path: Path
) -> None:
    with Store(home_settings) as store:
        sid = store.ensure_session(None)
        for n in range(3):
            store.add_exchange(sid, f"问题{n}", Answer(answer="第一行\n第二行\n\n第四行"), 10)
    for fmt in ("csv", "jsonl"):
        out = run.invoke(
            cli, ["transcripts", "export", "--format", fmt, "--output", str(tmp_path / fmt)]
        )
        assert out.exit_code == 0, out.output
        assert "wrote 3 turns of 1 conversations" in out.output


def test_export_to_a_missing_folder_names_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transcripts", "export", "--output", "/nonexistent/dir/t.csv"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --output /nonexistent/dir/t.csv: cannot write")
    assert "无法写入" in err and "Traceback" not in err


def test_list_shows_and_reads_days_in_the_configured_zone(
    run: CliRunner, home_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    late = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in Beijing
    with Store(home_settings, clock=lambda: late) as store:
        store.add_exchange(store.ensure_session(None), "深夜的问题", Answer(answer="…"), 10)
    listed = run.invoke(cli, ["transcripts", "list"]).output
    assert "2026-03-02 01:30" in listed
    assert "深夜" in run.invoke(cli, ["transcripts", "list", "--from", "2026-03-02"]).output
    assert run.invoke(cli, ["transcripts", "list", "--to", "2026-03-01"]).output == ""
    monkeypatch.setenv("CAREERCOACH_TIME_ZONE", "UTC")
    assert "2026-03-01 17:30" in run.invoke(cli, ["transcripts", "list"]).output
    assert "深夜" in run.invoke(cli, ["transcripts", "list", "--to", "2026-03-01"]).output
    bad = run.invoke(cli, ["transcripts", "list", "--from", "2026/03/01"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_purge_defaults_to_retention_days(
    run: CliRunner, home_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(home_settings)
    monkeypatch.setenv("CAREERCOACH_RETENTION_DAYS", "365")
    assert (
        "no conversation is older than 365 days" in run.invoke(cli, ["transcripts", "purge"]).output
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("180d", timedelta(days=180)),
        ("2w", timedelta(weeks=2)),
        ("3 MO", timedelta(days=90)),
        ("2年", timedelta(days=730)),
        ("3个月", timedelta(days=90)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
