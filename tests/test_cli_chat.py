"""``careercoach chat`` is wired like the web app: the planning interview runs in the terminal.

Both get their coach from :func:`bot.app.build_app`; a request for a career plan starts the
interview (the planner's own opening and first questions, from prompts/), and what the graduate
says next is taken as an answer to it, not as a new policy question.
"""

from __future__ import annotations

import io

import pytest

from bot.cli import main
from bot.resources import data_path


def _prompt(name: str) -> str:
    return data_path("prompts", f"{name}.zh.md").read_text(encoding="utf-8").strip()


def test_chat_starts_the_planning_interview_and_keeps_it_going(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAREERCOACH_DISTRESS_SEMANTIC", "false")
    monkeypatch.setattr("sys.stdin", io.StringIO("帮我做个职业规划\n本科，2027年毕业\n\n"))
    assert main(["chat", "--offline"]) == 0
    out = capsys.readouterr().out
    assert _prompt("plan_intro").splitlines()[0] in out
    first_question = _prompt("plan_ask_education").splitlines()[0]
    assert out.count(first_question) == 1  # asked once; the reply answered it
    replies = out.split("> ")
    assert len(replies) >= 3, out
    assert first_question not in replies[2] and replies[2].strip(), replies[2]


def test_ask_and_the_web_app_get_the_same_coach_wiring(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.app
    from bot.settings import Settings

    built: list[Settings] = []
    real = bot.app.build_app

    def spy(settings: Settings, kb: object = None, verified: object = None) -> bot.app.App:
        built.append(settings)
        return real(settings, kb, verified)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.app, "build_app", spy)
    monkeypatch.setenv("CAREERCOACH_DISTRESS_SEMANTIC", "false")
    from ui.app import build_services

    services = build_services(Settings(offline=True))
    assert len(built) == 1 and getattr(services.coach, "planner", None) is not None
    assert main(["ask", "--offline", "--json", "帮我做个职业规划"]) == 0
    assert len(built) == 2
