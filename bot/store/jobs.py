"""Evaluation jobs: what a worker process is running, how far it got, and what came out.

Reached as ``store.jobs``. The worker (``bot.evaljobs``) writes progress and the result here;
the maintainer console reads it, so a run started from a tab that was closed can be read later.
A job whose worker died (its process is gone while the row says running) reads as failed.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import NotFoundError
from bot.store.database import StorePart
from bot.store.models import EvalJob
from bot.store.tables import EvalJobRow


def _of(row: EvalJobRow) -> EvalJob:
    return EvalJob(
        id=row.id,
        suite=row.suite,
        kb=row.kb,  # type: ignore[arg-type]
        status=row.status,  # type: ignore[arg-type]
        done=row.done,
        total=row.total,
        message=row.message,
        cancel_requested=row.cancel_requested,
        pid=row.pid,
        created_by=row.created_by,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        passed=row.passed,
        result=dict(row.result or {}),
    )


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped by the server that started it) is not running
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


class EvalJobs(StorePart):
    def create(self, suite: str, kb: str, by_user: str) -> EvalJob:
        def work(db: Session) -> EvalJob:
            row = EvalJobRow(
                suite=suite,
                kb=kb,
                status="queued",
                done=0,
                total=0,
                message="",
                cancel_requested=False,
                created_by=by_user,
                created_at=self._clock(),
                result={},
            )
            db.add(row)
            db.flush()
            return _of(row)

        return self._write(work)

    def get(self, job_id: int) -> EvalJob:
        def work(db: Session) -> EvalJob:
            return _of(self._checked(db, self._row(db, job_id)))

        return self._write(work)

    def recent(self, limit: int = 20) -> list[EvalJob]:
        def work(db: Session) -> list[EvalJob]:
            rows = db.scalars(select(EvalJobRow).order_by(EvalJobRow.id.desc()).limit(limit))
            return [_of(self._checked(db, r)) for r in rows]

        return self._write(work)

    def started(self, job_id: int, pid: int) -> None:
        def work(db: Session) -> None:
            row = self._row(db, job_id)
            row.pid, row.status, row.started_at = pid, "running", self._clock()

        self._write(work)

    def progress(self, job_id: int, done: int, total: int, message: str = "") -> bool:
        """Record progress; returns True when a cancel was requested."""

        def work(db: Session) -> bool:
            row = self._row(db, job_id)
            row.done, row.total = done, total
            if message:
                row.message = message
            return bool(row.cancel_requested)

        return self._write(work)

    def request_cancel(self, job_id: int) -> EvalJob:
        def work(db: Session) -> EvalJob:
            row = self._row(db, job_id)
            if row.status in ("queued", "running"):
                row.cancel_requested = True
                if row.status == "queued" or not _alive(row.pid):
                    row.status, row.finished_at = "cancelled", self._clock()
            return _of(row)

        return self._write(work)

    def finish(
        self,
        job_id: int,
        status: str,
        message: str,
        passed: bool | None = None,
        result: dict[str, Any] | None = None,
    ) -> None:
        def work(db: Session) -> None:
            row = self._row(db, job_id)
            row.status, row.message, row.passed = status, message, passed
            row.result = result or {}
            row.finished_at = self._clock()

        self._write(work)

    def _checked(self, db: Session, row: EvalJobRow) -> EvalJobRow:
        if row.status == "running" and not _alive(row.pid):
            row.status, row.finished_at = "failed", self._clock()
            row.message = (row.message + " · " if row.message else "") + (
                "the worker process stopped before finishing / 评测进程意外退出"
            )
        return row

    @staticmethod
    def _row(db: Session, job_id: int) -> EvalJobRow:
        row = db.get(EvalJobRow, job_id)
        if row is None:
            raise NotFoundError(
                f"evaluation job {job_id} does not exist", message_zh=f"评测任务 {job_id} 不存在"
            )
        return row
