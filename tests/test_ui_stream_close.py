"""The streamed chat route gives an abandoned answer back at once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

from ui.scripts import ndjson_lines

T = TypeVar("T")


def run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``make()`` run to its end on an event loop of its own thread (another test's loop may
    be running in this one, as the browser tests' Playwright leaves it)."""
    done: list[T] = []
    thread = threading.Thread(target=lambda: done.append(asyncio.run(make())))
    thread.start()
    thread.join(60)
    assert done, "the coroutine did not finish"
    return done[0]


def test_stopping_the_stream_closes_the_answer_without_waiting_for_the_collector() -> None:
    closed: list[str] = []

    def answer() -> Iterator[dict[str, str]]:
        try:
            yield {"text": "第一段"}
            yield {"text": "第二段"}
            closed.append("never reached")
        finally:
            closed.append("closed")

    views = answer()  # still referenced, as a cancelled request's traceback keeps it

    async def read_one_then_stop() -> str:
        lines = ndjson_lines(views)
        first = await lines.__anext__()
        await lines.aclose()  # what Starlette does when the browser aborts the request
        return first

    first = run(read_one_then_stop)
    assert first == '{"text": "第一段"}\n'
    assert closed == ["closed"]


def test_a_whole_answer_is_sent_line_by_line() -> None:
    async def read_all() -> list[str]:
        return [line async for line in ndjson_lines(iter([{"a": 1}, {"b": "二"}]))]

    assert run(read_all) == ['{"a": 1}\n', '{"b": "二"}\n']
