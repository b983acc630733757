"""Cost limits and faults around answering, in the web chat handlers and over the REST API:
the length cap, answers at once per session and per client, the deadline, and a database that
cannot store the transcript (the graduate is answered anyway)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from bot.chat.models import Answer, StreamEvent, Turn
from bot.settings import Settings
from bot.store import Store
from tests.http_app import running_app
from tests.markdown_view import shown
from tests.ui_fakes import FakeRequest, make_services
from ui.app import build_app
from ui.graduate import GraduateChat
from ui.limits import AnswerGate, AnswerRefused

WAIT_S = 60  # generous: the machine may be loaded


class HeldCoach:
    """A coach that starts answering, then waits until the test lets it finish."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Semaphore(0)
        self.calls = 0

    def answer(
        self, message: str, history: list[Turn] | None = None, lang: str | None = None
    ) -> Answer:
        self.calls += 1
        self.started.release()
        assert self.release.wait(WAIT_S), "the test never released the coach"
        return Answer(answer=f"答：{message}")

    def stream(
        self, message: str, history: list[Turn] | None = None, lang: str | None = None
    ) -> Iterator[StreamEvent]:
        yield StreamEvent(answer=self.answer(message, history, lang))

    def wait_started(self, count: int = 1) -> None:
        for _ in range(count):
            assert self.started.acquire(timeout=WAIT_S), "the coach was never called"


def _settings(tmp_path: Path, **fields: Any) -> Settings:
    return Settings(home=tmp_path / "home", **fields)


def _last_view(chat: GraduateChat, message: str, request: FakeRequest) -> dict[str, Any]:
    return list(chat.respond(message, None, "zh", request))[-1]


def _last_message(chat: GraduateChat, message: str, request: FakeRequest) -> tuple[str, bool]:
    """What the graduate reads last (a notice, an error or the answer) and whether the question
    entered the conversation (a refused one stays in the page script's box)."""
    view = _last_view(chat, message, request)
    asked = any(m["role"] == "user" and m["text"] == message for m in view["messages"])
    if view.get("notice"):
        return view["notice"], asked
    reply = view["messages"][-1]
    return reply.get("error") or reply["text"], asked


# --- the length cap ----------------------------------------------------------------------
def test_web_chat_refuses_long_messages_clearly_and_keeps_the_text(tmp_path: Path) -> None:
    services, coach, _kb, store = make_services(_settings(tmp_path))
    chat = GraduateChat(services)
    long = "请问" * 1001  # 2,002 characters
    note, asked = _last_message(chat, long, FakeRequest("session-long-0000000000"))
    assert "2002" in shown(note) and "2000" in shown(note) and "缩短" in shown(note)
    assert not asked  # not sent into the conversation: the box keeps it, to be shortened
    assert coach.calls == [] and store.list_conversations() == []
    answer, _ = _last_message(chat, "请问" * 1000, FakeRequest("session-long-0000000000"))
    assert "一次性求职补贴" in shown(answer)  # 2,000 characters are answered
    store.close()


# --- answers at once ---------------------------------------------------------------------
def test_one_answer_at_a_time_per_session_and_a_few_per_client(tmp_path: Path) -> None:
    services, _coach, _kb, store = make_services(_settings(tmp_path, max_answers_per_client=3))
    held = HeldCoach()
    services.coach = held
    chat = GraduateChat(services)
    with ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(_last_message, chat, "第一个", FakeRequest("session-a-000000000000"))
        held.wait_started()
        again, _ = _last_message(chat, "第二个", FakeRequest("session-a-000000000000"))
        assert "上一个问题还在回答中" in shown(again)
        others = [
            pool.submit(_last_message, chat, "别人", FakeRequest(f"session-{n}-0000000000000"))
            for n in "bc"
        ]
        held.wait_started(2)
        crowded, _ = _last_message(chat, "第四个", FakeRequest("session-d-000000000000"))
        assert "网络正在处理的问题太多" in shown(crowded)
        elsewhere = pool.submit(
            _last_message, chat, "另一网络", FakeRequest("session-e-00000000000", client="10.9.9.9")
        )
        held.wait_started()  # another address is not held back
        held.release.set()
        results = [f.result(timeout=WAIT_S)[0] for f in (first, *others, elsewhere)]
    assert all(shown(r).startswith("答：") for r in results)
    assert held.calls == 4
    store.close()


def test_slow_answers_are_given_up_but_hold_their_slot_until_they_end(tmp_path: Path) -> None:
    services, _coach, _kb, store = make_services(_settings(tmp_path, answer_timeout_s=0.5))
    held = HeldCoach()
    services.coach = held
    chat = GraduateChat(services)
    session = "session-slow-000000000"
    note, _ = _last_message(chat, "很慢的问题", FakeRequest(session))
    assert "超过 0 秒" not in shown(note) and "已停止" in shown(note)
    assert chat.gate.running(f"s:{session}") == 1  # still computing: a retry cannot pile up
    retry, _ = _last_message(chat, "再问一次", FakeRequest(session))
    assert "还在回答中" in shown(retry)
    held.release.set()
    deadline = time.monotonic() + WAIT_S
    while chat.gate.running(f"s:{session}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert chat.gate.running(f"s:{session}") == 0
    assert store.list_conversations() == []  # a given-up answer is not stored
    store.close()


def test_the_gate_passes_engine_errors_on(tmp_path: Path) -> None:
    gate = AnswerGate(_settings(tmp_path))

    def broken() -> Iterator[StreamEvent]:
        yield StreamEvent(delta="部分")
        raise ValueError("engine bug")

    events = gate.run("s", "c", broken)
    assert next(events).delta == "部分"
    with pytest.raises(ValueError, match="engine bug"):
        next(events)
    with pytest.raises(AnswerRefused):
        gate.check_length("x" * 2001)


def test_the_api_accepts_what_a_raised_length_setting_allows(tmp_path: Path) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from ui.api import build_api

    settings = _settings(tmp_path, max_message_chars=5000)
    services, _coach, _kb, store = make_services(settings)
    app = FastAPI()
    app.include_router(build_api(services))
    with TestClient(app) as http:
        accepted = http.post("/api/chat", json={"message": "补贴" * 1500})  # 3,000 characters
        refused = http.post("/api/chat", json={"message": "补贴" * 2600})  # 5,200
    store.close()
    assert accepted.status_code == 200, accepted.text
    assert refused.status_code == 422
    assert "5000" in refused.json()["error"] and "补贴补贴" not in refused.text


# --- the database cannot store the transcript -----------------------------------------------
def _fill_up(store: Store) -> None:
    """From now on the SQLite file cannot grow: SQLITE_FULL, as on a full disk."""

    @event.listens_for(store.engine, "connect")
    def no_room(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    store.engine.dispose()


def test_web_chat_answers_when_the_transcript_cannot_be_stored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    services, _coach, _kb, store = make_services(_settings(tmp_path))
    chat = GraduateChat(services)
    session = "session-full-disk-000000"
    _last_message(chat, "先问一个", FakeRequest(session))
    _fill_up(store)
    with caplog.at_level(logging.WARNING):
        view = _last_view(chat, "补贴" * 900, FakeRequest(session))
    reply = view["messages"][-1]
    assert "一次性求职补贴" in reply["text"]
    assert reply["turn_id"] is None  # nothing to rate: the turn was not stored
    assert any("transcript turn lost" in r.getMessage() for r in caplog.records)
    store.close()


def test_api_answers_when_the_transcript_cannot_be_stored(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    services, _coach, _kb, store = make_services(settings)
    with running_app(build_app(settings, services)) as url, httpx.Client(base_url=url) as http:
        first = http.post("/api/chat", json={"message": "先问一个"}).json()
        _fill_up(store)
        answer = http.post(
            "/api/chat", json={"message": "补贴" * 900, "session_id": first["session_id"]}
        )
        assert answer.status_code == 200
        body = answer.json()
        assert body["stored"] is False and body["turn_id"] is None
        assert "一次性求职补贴" in body["answer"]
        new_session = http.post("/api/chat", json={"message": "新会话也能回答"})
        assert new_session.status_code == 200 and new_session.json()["answer"]
    store.close()


# --- the API's own limits -----------------------------------------------------------------
def test_api_refuses_a_second_answer_for_one_session(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    services, _coach, _kb, store = make_services(settings)
    held = HeldCoach()
    with (
        running_app(build_app(settings, services)) as url,
        httpx.Client(base_url=url, timeout=WAIT_S) as http,
    ):
        sid = http.post("/api/chat", json={"message": "建会话"}).json()["session_id"]
        services.coach = held
        with ThreadPoolExecutor(max_workers=1) as pool:
            first = pool.submit(http.post, "/api/chat", json={"message": "慢", "session_id": sid})
            held.wait_started()
            second = http.post("/api/chat", json={"message": "又问", "session_id": sid})
            assert second.status_code == 429
            assert "still being answered" in second.json()["error"]
            held.release.set()
            assert first.result(timeout=WAIT_S).status_code == 200
    store.close()


def test_api_gives_up_a_slow_answer_with_a_clear_message(tmp_path: Path) -> None:
    settings = _settings(tmp_path, answer_timeout_s=0.5)
    services, _coach, _kb, store = make_services(settings)
    held = HeldCoach()
    services.coach = held
    try:
        with running_app(build_app(settings, services)) as url:
            slow = httpx.post(f"{url}/api/chat", json={"message": "慢"}, timeout=WAIT_S)
        assert slow.status_code == 503
        assert "took longer than" in slow.json()["error"] and "已停止" in slow.json()["error_zh"]
    finally:
        held.release.set()
        store.close()
