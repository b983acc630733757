"""Tell counselors at once when a conversation is flagged for possible distress.

:func:`make_notifier` builds a :class:`Notifier` from the settings: a webhook (a JSON POST to
``notify_webhook_url``) and/or an e-mail through SMTP (``notify_smtp_*``, ``notify_email_*``).
The store calls it once per distress flag it raises (``Store(on_flag=…)``). Sending happens on one
background thread, so a slow or broken hook never delays or fails the graduate's answer: every
failure is logged and dropped. A notice carries only redacted text (:func:`bot.privacy.redact`)
and a short excerpt, never a session id. What it leaves out: retries across restarts (a notice
lost to a crash is still in the counselor page's queue of unreviewed flags).
"""

from __future__ import annotations

import logging
import queue
import smtplib
import ssl
import threading
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

import httpx
from pydantic import BaseModel

from bot.errors import ConfigError
from bot.privacy import redact
from bot.settings import Settings

log = logging.getLogger(__name__)

EXCERPT_CHARS = 160
_QUEUE_SIZE = 200


class FlagNotice(BaseModel):
    """What a counselor is told: which conversation, how worrying, and a redacted excerpt."""

    conversation_id: int
    level: str  # "likely" or "possible"
    reason: str
    excerpt: str
    lang: str
    raised_at: datetime
    counselor_url: str | None = None

    @classmethod
    def of(
        cls,
        conversation_id: int,
        level: str,
        reason: str,
        question: str,
        lang: str,
        raised_at: datetime,
    ) -> FlagNotice:
        text = redact(question).strip()
        if len(text) > EXCERPT_CHARS:
            text = text[:EXCERPT_CHARS] + "…"
        return cls(
            conversation_id=conversation_id,
            level=level,
            reason=redact(reason),
            excerpt=text,
            lang=lang,
            raised_at=raised_at,
        )

    def subject(self) -> str:
        label = "可能处于危机" if self.level == "likely" else "可能需要关注"
        return f"[careercoach] 对话 #{self.conversation_id} {label} / distress flag"

    def body(self) -> str:
        lines = [
            f"对话 / conversation: #{self.conversation_id}",
            f"级别 / level: {self.level}",
            f"时间 / time (UTC): {self.raised_at.isoformat(timespec='seconds')}",
            f"原因 / reason: {self.reason}",
            f"摘录（已脱敏） / excerpt (redacted): {self.excerpt}",
        ]
        if self.counselor_url:
            lines.append(f"辅导员页面 / counselor page: {self.counselor_url}")
        lines.append("请尽快在辅导员页面查看并跟进。/ Please review it on the counselor page.")
        return "\n".join(lines)


class Sender(Protocol):
    name: str

    def send(self, notice: FlagNotice) -> None: ...


class WebhookSender:
    """POSTs the notice as JSON (``text`` holds the readable body for chat-ops hooks)."""

    name = "webhook"

    def __init__(self, url: str, timeout_s: float) -> None:
        self.url = url
        self.timeout_s = timeout_s

    def send(self, notice: FlagNotice) -> None:
        payload = notice.model_dump(mode="json") | {"text": notice.body()}
        response = httpx.post(self.url, json=payload, timeout=self.timeout_s)
        response.raise_for_status()


class SmtpSender:
    """Sends the notice as a plain-text e-mail."""

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: str,
        sender: str,
        recipients: Sequence[str],
        user: str | None,
        password: str | None,
        timeout_s: float,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.sender, self.recipients = sender, list(recipients)
        self.user, self.password, self.timeout_s = user, password, timeout_s

    def send(self, notice: FlagNotice) -> None:
        message = EmailMessage()
        message["Subject"] = notice.subject()
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message.set_content(notice.body())
        smtp: smtplib.SMTP
        if self.security == "ssl":
            context = ssl.create_default_context()
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


class Notifier:
    """Queues notices and sends them from one daemon thread; never raises to the caller."""

    def __init__(self, senders: Sequence[Sender], counselor_url: str | None = None) -> None:
        self.senders = list(senders)
        self.counselor_url = counselor_url
        self._queue: queue.Queue[FlagNotice | None] = queue.Queue(_QUEUE_SIZE)
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.sent = 0  # notices delivered by every sender (for tests and the logs)
        self.failed = 0  # sender calls that failed

    def __call__(self, notice: FlagNotice) -> None:
        """Queue ``notice`` for sending and return at once."""
        if not self.senders:
            return
        if self.counselor_url and notice.counselor_url is None:
            notice = notice.model_copy(update={"counselor_url": self.counselor_url})
        self._ensure_thread()
        try:
            self._queue.put_nowait(notice)
        except queue.Full:
            log.error(
                "distress notice for conversation %s dropped: queue full", notice.conversation_id
            )

    def close(self, timeout_s: float = 10.0) -> None:
        """Send what is queued (for at most ``timeout_s``) and stop the thread."""
        thread = self._thread
        if thread is None:
            return
        try:
            self._queue.put(None, timeout=timeout_s)
        except queue.Full:
            return
        thread.join(timeout_s)
        self._thread = None

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="careercoach-notify", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            notice = self._queue.get()
            if notice is None:
                return
            delivered = True
            for sender in self.senders:
                try:
                    sender.send(notice)
                except Exception as error:  # any failure of a hook is logged, never raised
                    delivered = False
                    self.failed += 1
                    log.error(
                        "distress notice for conversation %s not sent by %s: %s",
                        notice.conversation_id,
                        sender.name,
                        error,
                    )
            if delivered:
                self.sent += 1


def make_notifier(settings: Settings) -> Notifier | None:
    """The configured notifier, or None when neither a webhook nor SMTP is set."""
    senders: list[Sender] = []
    if settings.notify_webhook_url:
        if not settings.notify_webhook_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"notify_webhook_url: {settings.notify_webhook_url!r} is not an http(s) URL",
                message_zh=f"notify_webhook_url：{settings.notify_webhook_url!r} 不是 http(s) 地址",
            )
        senders.append(WebhookSender(settings.notify_webhook_url, settings.notify_timeout_s))
    recipients = [a.strip() for a in settings.notify_email_to.split(",") if a.strip()]
    if settings.notify_smtp_host and recipients:
        password = settings.notify_smtp_password
        senders.append(
            SmtpSender(
                settings.notify_smtp_host,
                settings.notify_smtp_port,
                security=settings.notify_smtp_security,
                sender=settings.notify_email_from,
                recipients=recipients,
                user=settings.notify_smtp_user,
                password=password.get_secret_value() if password else None,
                timeout_s=settings.notify_timeout_s,
            )
        )
    elif settings.notify_smtp_host:
        raise ConfigError(
            "notify_email_to: empty, but notify_smtp_host is set (who should get the e-mails?)",
            message_zh="notify_email_to 为空，但已设置 notify_smtp_host（邮件应发给谁？）",
        )
    if not senders:
        return None
    return Notifier(senders, settings.notify_counselor_url)
