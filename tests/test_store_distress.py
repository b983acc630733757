"""Distress flags in the store: raised once per flag, the hook told once, the unreviewed queue and
its count; and the notification hook against a real local HTTP server and a real SMTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.chat.models import Answer
from bot.errors import ConfigError
from bot.notify import FlagNotice, Notifier, make_notifier
from bot.settings import Settings
from bot.store import Store, TranscriptFilter
from tests.local_server import free_port


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)


class Hook:
    """Collects the notices the store hands on."""

    def __init__(self) -> None:
        self.notices: list[FlagNotice] = []

    def __call__(self, notice: FlagNotice) -> None:
        self.notices.append(notice)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hook() -> Hook:
    return Hook()


@pytest.fixture
def store(database_url: str, clock: Clock, hook: Hook) -> Iterator[Store]:
    with Store.from_url(database_url, clock=clock, on_flag=hook) as opened:
        yield opened


def crisis(level: str = "likely") -> Answer:
    intent = "distress" if level == "likely" else "policy"
    return Answer(
        answer="你并不孤单……",
        intent=intent,  # type: ignore[arg-type]
        flagged=True,
        extra={"distress": level, "distress_reason": "rule: 不想活"},
    )


def calm() -> Answer:
    return Answer(answer="可以申请[1]。", intent="policy")


def test_one_notice_per_flag_and_the_notice_is_redacted(store: Store, hook: Hook) -> None:
    sid = store.ensure_session(None)
    store.add_exchange(sid, "我是张伟，电话13812345678，我不想活了", crisis(), 5)
    store.add_exchange(sid, "真的不想活了", crisis(), 5)  # same flag, not reviewed yet
    store.add_exchange(sid, "一次性求职补贴去哪儿申请？", calm(), 5)
    assert len(hook.notices) == 1
    notice = hook.notices[0]
    assert notice.level == "likely" and notice.conversation_id == store.list_conversations()[0].id
    assert "13812345678" not in notice.excerpt and "[电话]" in notice.excerpt
    assert "张伟" not in notice.excerpt and "张伟" not in notice.body()
    conv = store.get_conversation(notice.conversation_id)
    assert conv.flag_reason == "auto: distress"
    assert [e.action for e in conv.flag_events] == ["flag"]


def test_possible_then_likely_escalates_once(store: Store, hook: Hook, clock: Clock) -> None:
    sid = store.ensure_session(None)
    store.add_exchange(sid, "感觉人生没有希望", crisis("possible"), 5)
    clock.advance(1)
    store.add_exchange(sid, "还是觉得没希望", crisis("possible"), 5)
    clock.advance(1)
    store.add_exchange(sid, "我想结束生命", crisis("likely"), 5)
    clock.advance(1)
    store.add_exchange(sid, "我想结束生命", crisis("possible"), 5)
    assert [n.level for n in hook.notices] == ["possible", "likely"]
    conv = store.get_conversation(hook.notices[0].conversation_id)
    assert conv.flag_reason == "auto: distress"
    assert [e.reason for e in conv.flag_events] == ["auto: distress (possible)", "auto: distress"]


def test_distress_flags_over_a_counselors_flag(store: Store, hook: Hook) -> None:
    sid = store.ensure_session(None)
    store.add_exchange(sid, "特岗教师怎么报名？", calm(), 5)
    conv_id = store.list_conversations()[0].id
    store.flag(conv_id, "引用过期", "counselor_li")
    store.add_exchange(sid, "我不想活了", crisis(), 5)
    assert len(hook.notices) == 1
    assert store.get_conversation(conv_id).flag_reason == "auto: distress"


def test_unreviewed_queue_and_count(store: Store, hook: Hook, clock: Clock) -> None:
    first, second, third = (store.ensure_session(None) for _ in range(3))
    store.add_exchange(first, "我不想活了", crisis(), 5)
    clock.advance(1)
    store.add_exchange(second, "人生没有希望", crisis("possible"), 5)
    clock.advance(1)
    store.add_exchange(third, "补贴怎么领？", calm(), 5)
    assert store.unreviewed_distress_count() == 2
    queue = store.distress_queue()
    assert [c.first_question for c in queue] == ["人生没有希望", "我不想活了"]
    assert store.count_conversations(TranscriptFilter(unreviewed_distress=False, limit=None)) == 1

    # an annotation after the flag reviews it; unflagging does too
    reviewed = store.get_conversation(queue[1].id)
    clock.advance(1)
    store.annotate(reviewed.turns[0].id, "counselor_li", tone_ok=True, note="已电话联系")
    store.unflag(queue[0].id, "counselor_wang")
    assert store.unreviewed_distress_count() == 0 and store.distress_queue() == []

    # a new crisis message after the review raises a new flag and a new notice
    clock.advance(1)
    store.add_exchange(first, "我还是想死", crisis(), 5)
    assert store.unreviewed_distress_count() == 1 and len(hook.notices) == 3


def test_a_failing_hook_never_loses_the_exchange(tmp_path: Path) -> None:
    def broken(notice: FlagNotice) -> None:
        raise RuntimeError("hook down")

    with Store.from_url(f"sqlite:///{tmp_path / 's.db'}", on_flag=broken) as store:
        sid = store.ensure_session(None)
        turn_id = store.add_exchange(sid, "我不想活了", crisis(), 5)
        assert store.conversation_for_session(sid).turns[0].id == turn_id
        assert store.unreviewed_distress_count() == 1


# --- the hook itself, against real local servers --------------------------------------------
class Received:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.arrived = threading.Event()


@pytest.fixture
def webhook() -> Iterator[tuple[str, Received]]:
    got = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            got.bodies.append(json.loads(self.rfile.read(length)))
            self.send_response(204 if "ok" in self.path else 500)
            self.end_headers()
            got.arrived.set()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", got
    finally:
        server.shutdown()
        server.server_close()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.content))
        self.arrived.set()
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, box
    finally:
        controller.stop()


def test_webhook_and_email_are_sent_for_a_flag_raised_by_the_store(
    tmp_path: Path, webhook: tuple[str, Received], smtp_server: tuple[int, Mailbox]
) -> None:
    url, got = webhook
    port, box = smtp_server
    settings = Settings(
        home=tmp_path,
        notify_webhook_url=f"{url}/ok",
        notify_smtp_host="127.0.0.1",
        notify_smtp_port=port,
        notify_smtp_security="none",
        notify_email_from="coach@example.edu",
        notify_email_to="duty@example.edu, lead@example.edu",
        notify_counselor_url="https://careers.example.edu/counselor/",
    )
    notifier = make_notifier(settings)
    assert notifier is not None
    with Store(settings, on_flag=notifier) as store:
        sid = store.ensure_session(None)
        store.add_exchange(sid, "我叫李娜，手机13912345678。我想从楼上跳下去", crisis(), 5)
        store.add_exchange(sid, "我想从楼上跳下去", crisis(), 5)
        assert got.arrived.wait(30) and box.arrived.wait(30)
        notifier.close()
    assert len(got.bodies) == 1 and len(box.messages) == 1  # once per flag, not per message
    body = got.bodies[0]
    assert body["level"] == "likely" and body["conversation_id"] >= 1
    assert body["counselor_url"] == "https://careers.example.edu/counselor/"
    assert "13912345678" not in json.dumps(body, ensure_ascii=False)
    assert "李娜" not in json.dumps(body, ensure_ascii=False)
    mail = box.messages[0]
    assert box.envelopes[0] == ("coach@example.edu", ["duty@example.edu", "lead@example.edu"])
    assert "distress" in str(mail["Subject"])
    text = mail.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    assert "13912345678" not in text and "[电话]" in text
    assert "https://careers.example.edu/counselor/" in text
    assert notifier.sent == 1 and notifier.failed == 0


def test_a_failing_or_unreachable_hook_is_logged_and_does_not_block(
    webhook: tuple[str, Received], caplog: pytest.LogCaptureFixture
) -> None:
    from bot.notify import WebhookSender

    url, got = webhook
    dead = f"http://127.0.0.1:{free_port()}/ok"  # nothing listens there
    notifier = Notifier([WebhookSender(f"{url}/fails", 5), WebhookSender(dead, 5)])
    notice = FlagNotice.of(7, "likely", "rule", "我不想活了", "zh", datetime.now(UTC))
    notifier(notice)  # returns at once: sending happens on the notifier's thread
    assert got.arrived.wait(30)
    notifier.close(timeout_s=30)
    assert notifier.failed == 2 and notifier.sent == 0
    assert "not sent by webhook" in caplog.text


def test_notifier_settings_are_checked(tmp_path: Path) -> None:
    assert make_notifier(Settings(home=tmp_path)) is None
    with pytest.raises(ConfigError, match="notify_email_to"):
        make_notifier(Settings(home=tmp_path, notify_smtp_host="127.0.0.1"))
    with pytest.raises(ConfigError, match="notify_webhook_url"):
        make_notifier(Settings(home=tmp_path, notify_webhook_url="ftp://x"))
