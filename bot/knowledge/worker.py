"""Run a refresh in a child process, so a file that exhausts memory or crashes a parser takes
down the child, not the web server that asked for the refresh.

:func:`refresh_in_worker` starts a fresh interpreter (``spawn``: forking a threaded server
could copy a held lock), builds a ``KnowledgeBase`` there from the same settings, runs the
refresh and sends progress and the report back over a queue. The child's address space is
capped (``memory_mb``, default :data:`DEFAULT_MEMORY_MB`) so that runaway allocation ends in a
``MemoryError`` inside the child. Whatever happens to the child, the parent gets a
``RefreshReport`` or a ``KnowledgeIndexError`` saying what went wrong; the previous index keeps
serving, because a refresh only moves the ``CURRENT`` pointer once the new generation is whole.

A knowledge base built with an injected embedding model (tests do that) cannot be rebuilt in
another process; it is refreshed in this one, which the log says.
What it leaves out: the refresh itself (``refresh``), queuing several refreshes (the index lock
refuses a second one).
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import resource
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.errors import CareerCoachError, KnowledgeIndexError
from bot.knowledge.manifest import RefreshReport
from bot.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_MEMORY_MB = 8192  # address space, not resident memory: onnxruntime reserves a lot
_POLL_S = 0.5

Progress = Callable[[int, int, str], None]


def refresh_in_worker(
    kb: Any,
    paths: list[Path],
    progress: Progress | None = None,
    *,
    force: bool = False,
    memory_mb: int | None = DEFAULT_MEMORY_MB,
) -> RefreshReport:
    """``kb.refresh(paths)`` in a child process; see the module docstring."""
    settings: Settings | None = getattr(kb, "settings", None)
    configured = settings is not None and getattr(kb, "embedding_id", None) == (
        f"{settings.embedding_provider}:{settings.embedding_model}"
    )
    if settings is None or not configured:
        log.info("refreshing in this process: the knowledge base has an injected model")
        extra = {"force": True} if force else {}
        report: RefreshReport = kb.refresh(paths, progress=progress, **extra)
        return report
    context = multiprocessing.get_context("spawn")
    messages: Any = context.Queue()
    child = context.Process(
        target=_child,
        args=(settings, [str(p) for p in paths], force, memory_mb, messages),
        name="careercoach-refresh",
        daemon=True,
    )
    child.start()
    try:
        return _wait(child, messages, progress)
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=10)
        messages.close()
        messages.join_thread()


def _wait(child: Any, messages: Any, progress: Progress | None) -> RefreshReport:
    while True:
        try:
            kind, *body = messages.get(timeout=_POLL_S)
        except queue.Empty:
            if child.is_alive():
                continue
            try:  # the last message may arrive just after the child exits
                kind, *body = messages.get(timeout=_POLL_S)
            except queue.Empty:
                raise _died(child.exitcode) from None
        if kind == "progress" and progress is not None:
            progress(*body)
        elif kind == "done":
            return RefreshReport.model_validate_json(body[0])
        elif kind == "error":
            raise KnowledgeIndexError(body[0], message_zh=body[1])


def _died(code: int | None) -> KnowledgeIndexError:
    if code is not None and code < 0:
        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    else:
        how = f"exit code {code}"
    return KnowledgeIndexError(
        f"the refresh worker stopped without a report ({how}); nothing was changed and the "
        "previous index is still serving",
        message_zh=f"刷新进程意外退出（{how}），没有做任何更改，仍在使用之前的索引",
    )


def _child(
    settings: Settings, paths: list[str], force: bool, memory_mb: int | None, messages: Any
) -> None:  # pragma: no cover - runs in the child process; covered through refresh_in_worker
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        from bot.knowledge.base import KnowledgeBase

        def on_progress(done: int, total: int, path: str) -> None:
            messages.put(("progress", done, total, path))

        kb = KnowledgeBase(settings)
        report = kb.refresh([Path(p) for p in paths], progress=on_progress, force=force)
        messages.put(("done", report.model_dump_json()))
    except CareerCoachError as error:
        messages.put(("error", error.message, error.message_zh))
    except MemoryError:
        cap = f"{memory_mb} MB" if memory_mb else "the machine's memory"
        messages.put(
            (
                "error",
                f"the refresh ran out of memory (limit {cap}); the previous index is still serving",
                f"刷新时内存不足（上限 {cap}），仍在使用之前的索引",
            )
        )
    except Exception as error:  # reported to the maintainer; the traceback goes to the log
        logging.getLogger(__name__).exception("refresh worker failed")
        messages.put(
            (
                "error",
                f"the refresh failed ({type(error).__name__}: {error}); the previous index is "
                "still serving",
                f"刷新失败（{type(error).__name__}），仍在使用之前的索引",
            )
        )
