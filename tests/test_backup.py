"""``careercoach backup`` / ``restore``: a restored home gives the same answers and transcripts.

The home is built the way a school's is: ``kb refresh`` of a small folder, a conversation stored
through the store (redacted, with feedback), a session secret file. It is backed up, restored
into a fresh home elsewhere, and asked the same question.
"""

from __future__ import annotations

import fcntl
import json
import shutil
from pathlib import Path

import pytest

from bot.backup import backup
from bot.chat.models import Answer
from bot.cli import main
from bot.errors import CareerCoachError
from bot.settings import Settings
from bot.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "chat"
QUESTION = "就业见习的期限一般是多久？"


def _ask(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["ask", "--offline", "--json", QUESTION]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert isinstance(answer, dict)
    return answer


def _transcripts(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    assert main(["transcripts", "export"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.slow
def test_a_restored_home_answers_and_remembers_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(FIXTURES / "internship.md", docs)
    old_home = tmp_path / "old-home"
    monkeypatch.setenv("CAREERCOACH_HOME", str(old_home))
    monkeypatch.setenv("CAREERCOACH_DISTRESS_SEMANTIC", "false")  # not what is tested: faster
    assert main(["kb", "refresh", str(docs)]) == 0
    with Store(Settings(home=old_home)) as store:
        session = store.ensure_session(None)
        turn = store.add_exchange(
            session, "我的电话13812345678，见习多久？", Answer(answer="3至12个月"), 12
        )
        store.record_feedback(turn, session, 1, "有用")
    (old_home / "session_secret").write_text("kept-secret", encoding="utf-8")
    capsys.readouterr()
    before, stored = _ask(capsys), _transcripts(capsys)
    assert not before["abstained"] and stored and stored[0]["rating"] == 1

    assert main(["backup", str(tmp_path / "backup")]) == 0
    assert "backed up" in capsys.readouterr().out
    shutil.rmtree(old_home)  # the machine is gone

    new_home = tmp_path / "elsewhere" / "home"
    monkeypatch.setenv("CAREERCOACH_HOME", str(new_home))
    assert main(["restore", str(tmp_path / "backup")]) == 0
    assert "restored" in capsys.readouterr().out
    after = _ask(capsys)
    assert (after["answer"], after["citations"]) == (before["answer"], before["citations"])
    assert _transcripts(capsys) == stored
    assert (new_home / "session_secret").read_text(encoding="utf-8") == "kept-secret"
    assert main(["kb", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 1


def test_restore_keeps_a_home_that_holds_data_and_refuses_a_damaged_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("CAREERCOACH_HOME", str(home))
    with Store(Settings(home=home)) as store:
        store.add_user("li", "maintainer", "a-long-password")
    assert main(["backup", str(tmp_path / "b")]) == 0
    assert main(["backup", str(tmp_path / "b")]) == 2  # not over an existing backup
    assert "is not empty" in capsys.readouterr().err

    assert main(["restore", str(tmp_path / "b")]) == 2
    assert "already holds data" in capsys.readouterr().err
    assert main(["restore", "--force", str(tmp_path / "b")]) == 0
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("home.before-restore-")]
    assert len(kept) == 1 and (kept[0] / "careercoach.sqlite3").is_file()
    assert main(["users", "list"]) == 0 and "li\tmaintainer" in capsys.readouterr().out

    (tmp_path / "b" / "home" / "careercoach.sqlite3").write_bytes(b"tampered")
    shutil.rmtree(home)
    assert main(["restore", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert "home/careercoach.sqlite3 has changed since the backup" in err
    assert not home.exists()  # nothing half-restored


def test_backup_waits_for_a_running_refresh(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    settings.index_dir.mkdir(parents=True)
    with open(settings.index_dir / "refresh.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as kb refresh does
        with pytest.raises(CareerCoachError, match="refresh is running"):
            backup(settings, tmp_path / "b", wait_s=0.5)
