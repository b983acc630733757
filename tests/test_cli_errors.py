"""Every documented command given bad input prints one line naming it, never a traceback.

Each case runs ``careercoach`` in-process through :func:`bot.cli.main` (what the console script
calls) and looks at what a person would see on the terminal: the exit status, no
``Traceback``, and a message that names the input (the option, the variable or the file) and
says what to do, in English and in Chinese where the message is ours.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "me.yaml").write_text("education: bachelor\nmajor: 会计\n", encoding="utf-8")
    (tmp_path / "bad-date.yaml").write_text("graduation_date: 2027-13-01\n", encoding="utf-8")
    (tmp_path / "typo.yaml").write_text("eduction: bachelor\n", encoding="utf-8")
    (tmp_path / "typo.jsonl").write_text(
        '{"id": "a", "question": "补贴发给谁？", "evidance": ["毕业年度"]}\n', encoding="utf-8"
    )
    (tmp_path / "docs").mkdir()
    return tmp_path


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield int(taken.getsockname()[1])


# (argv, environment, what the message must name)
CASES = [
    (["eligible", "--profile", "me.yaml", "--today", "2026/09/01"], {}, "'--today'"),
    (["plan", "--profile", "bad-date.yaml"], {}, "bad-date.yaml: a date in it does not exist"),
    (["eligible", "--profile", "typo.yaml"], {}, "field 'eduction': unknown field"),
    (["plan", "--profile", "me.yaml", "-o", "/nonexistent/dir/plan.md"], {}, "-o /nonexistent"),
    (["kb", "status"], {"CAREERCOACH_PORT": "abc"}, "CAREERCOACH_PORT='abc'"),
    (["ask", "补贴"], {"CAREERCOACH_CHUNK_TOKENS": "5"}, "CAREERCOACH_CHUNK_TOKENS='5'"),
    (["transcripts", "list"], {"CAREERCOACH_TIME_ZONE": "Beijing"}, "CAREERCOACH_TIME_ZONE"),
    (
        ["transcripts", "list"],
        {"CAREERCOACH_DATABASE_URL": "postgresql+psycopg://cc@127.0.0.1:1/cc"},
        "CAREERCOACH_DATABASE_URL (127.0.0.1:1/cc)",
    ),
    (["users", "list"], {"CAREERCOACH_DATABASE_URL": "mysql://x@y/z"}, "database_url"),
    (["transcripts", "list", "--from", "2026-9-1"], {}, "'--from'"),
    (["transcripts", "purge", "--older-than", "6m"], {}, "--older-than"),
    (["transcripts", "export", "--output", "/nonexistent/t.csv"], {}, "--output /nonexistent"),
    (["transcripts", "show", "424242"], {}, "conversation 424242"),
    (["users", "remove", "nobody"], {}, "user 'nobody'"),
    (["search", "补贴", "--valid-on", "2025-02-30"], {}, "--valid-on"),
    (["kb", "remove", "no-such-doc"], {}, "no-such-doc"),
    (["eval", "retrieval", "--dataset", "typo.jsonl", "--kb", "docs"], {}, "typo.jsonl:1"),
    (["eval", "retrieval", "--dataset", "missing.jsonl", "--kb", "docs"], {}, "missing.jsonl"),
    (["eval", "all", "--report", "/proc/no-report"], {}, "--report /proc/no-report"),
    (["bench", "--quick", "--output", "/proc/x/b.json"], {}, "--output /proc/x"),
    (["serve", "--port", "70000"], {}, "'--port'"),
    (["serve", "--host", "no-such-host.invalid"], {}, "--host"),
]


@pytest.mark.parametrize(("argv", "env", "named"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input_gets_one_line_not_a_traceback(
    files: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    env: dict[str, str],
    named: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    assert named in err, err
    ours = [line for line in err.splitlines() if line.startswith("error: ")]
    shown = ours[0] if ours else err.strip().splitlines()[-1]  # ours, or click's "Error: …"
    assert len(ours) <= 1
    assert any("\u4e00" <= c <= "\u9fff" for c in shown), f"no Chinese in {shown!r}"


def test_serve_on_a_busy_port_says_so_before_serving(
    busy_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--no-index", "--port", str(busy_port)]) == 2
    out, err = capsys.readouterr()
    assert "serving" not in out
    assert f"cannot listen on 127.0.0.1:{busy_port}" in err and "--port" in err
    assert "端口已被占用" in err and "Traceback" not in err


def test_postgres_without_its_driver_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if it were not installed
    monkeypatch.setenv("CAREERCOACH_DATABASE_URL", "postgresql+psycopg://cc@127.0.0.1:1/cc")
    assert main(["users", "list"]) == 2
    err = capsys.readouterr().err
    assert "careercoach[postgres]" in err and "Traceback" not in err


def test_a_bug_is_one_line_and_its_traceback_needs_vv(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr("bot.store.Store.list_users", broken)
    assert main(["users", "list"]) == 70
    err = capsys.readouterr().err
    assert err.startswith("error: unexpected KeyError") and "-vv" in err
    assert "Traceback" not in err
    with pytest.raises(KeyError):
        main(["-vv", "users", "list"])


def test_version() -> None:
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert version("careercoach").startswith("0.")
