"""Cost limits on answering: message length, answers at once per session and client, a deadline.

One :class:`AnswerGate` per app, shared by the web chat and ``/api/chat``:

- a message longer than ``settings.max_message_chars`` (2,000) is refused with a clear message,
  in the page as in the API;
- a graduate session computes at most ``max_answers_per_session`` answers at once (1: a second
  question waits for the first to finish) and one client address at most
  ``max_answers_per_client``; beyond that the graduate is told to wait, nothing is queued;
- an answer that has not finished after ``answer_timeout_s`` is given up: the graduate is told
  so at once. Python cannot stop a thread, so the engine's work runs in its own worker thread,
  which stops at the engine's next event (a streamed model answer stops within a token; the
  offline answerer only between its steps) and **keeps its slots until it really ends**, so a
  client cannot pile up abandoned work by retrying. The engine checking a deadline itself would
  bound the CPU time exactly; that belongs to ``bot/chat``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.chat.models import StreamEvent
from bot.errors import CareerCoachError
from bot.settings import Settings


class AnswerRefused(CareerCoachError):
    """Not answered: too long, too many at once, or too slow. ``status`` is the HTTP status."""

    def __init__(self, message: str, *, message_zh: str, status: int) -> None:
        super().__init__(message, message_zh=message_zh)
        self.status = status


@dataclass
class _Done:
    error: BaseException | None = None


class AnswerGate:
    """Length check, concurrency slots and the deadline around one engine call."""

    def __init__(self, settings: Settings) -> None:
        self.max_chars = settings.max_message_chars
        self.per_session = settings.max_answers_per_session
        self.per_client = settings.max_answers_per_client
        self.timeout_s = settings.answer_timeout_s
        self._lock = threading.Lock()
        self._running: Counter[str] = Counter()

    def check_length(self, message: str) -> None:
        if len(message) > self.max_chars:
            raise AnswerRefused(
                f"the message has {len(message)} characters; at most {self.max_chars} are "
                "accepted: please shorten it or ask one thing at a time",
                message_zh=f"消息共 {len(message)} 个字符，最多 {self.max_chars} 个："
                "请缩短，或一次只问一个问题",
                status=422,
            )

    def running(self, key: str) -> int:
        with self._lock:
            return self._running[key]

    def _acquire(self, session: str, client: str) -> list[str]:
        keys = [f"s:{session}", f"c:{client}"]
        with self._lock:
            if self._running[keys[0]] >= self.per_session:
                raise AnswerRefused(
                    "your previous question is still being answered; please wait for it",
                    message_zh="上一个问题还在回答中，请等它答完再问",
                    status=429,
                )
            if self._running[keys[1]] >= self.per_client:
                raise AnswerRefused(
                    "too many questions from your network are being answered right now; "
                    "please try again in a minute",
                    message_zh="你所在网络正在处理的问题太多，请一分钟后再试",
                    status=429,
                )
            for key in keys:
                self._running[key] += 1
        return keys

    def _release(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._running[key] -= 1
                if self._running[key] <= 0:
                    del self._running[key]

    def run(
        self, session: str, client: str, produce: Callable[[], Iterator[StreamEvent]]
    ) -> Iterator[StreamEvent]:
        """The engine's events, under the slots and the deadline (:class:`AnswerRefused`)."""
        keys = self._acquire(session, client)
        events: queue.Queue[StreamEvent | _Done] = queue.Queue()
        abandoned = threading.Event()

        def work() -> None:
            done = _Done()
            try:
                for event in produce():
                    events.put(event)
                    if abandoned.is_set():
                        break
            except BaseException as error:  # handed to the consumer, which re-raises it
                done.error = error
            finally:
                self._release(keys)
                events.put(done)

        threading.Thread(target=work, name="careercoach-answer", daemon=True).start()
        deadline = time.monotonic() + self.timeout_s
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AnswerRefused(
                        f"the answer took longer than {self.timeout_s:g} seconds and was "
                        "stopped; please try a shorter or more specific question",
                        message_zh=f"回答超过 {self.timeout_s:g} 秒仍未完成，已停止："
                        "请换一个更短、更具体的问题",
                        status=503,
                    )
                try:
                    item = events.get(timeout=min(left, 1.0))
                except queue.Empty:
                    continue
                if isinstance(item, _Done):
                    if item.error is not None:
                        raise item.error
                    return
                yield item
        finally:
            abandoned.set()
