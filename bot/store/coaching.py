"""Coaching records of a graduate's session: assessments, plans, résumé reviews, interviews.

One row per record, its content as JSON cleaned (``clean.py``) and passed through
:func:`bot.privacy.redact` (every string, deep) before it is written; writes go through the
store's retried write transaction (``Store._write``), so a busy database is waited for and a
refused write raises :class:`bot.errors.StorageError`. An assessment in progress is one record
updated as answers come in, so the questionnaire resumes where it stopped. Nothing is shared
with counselors until the graduate says so (:meth:`CoachingRecords.share`); counselors read
only shared records.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import NotFoundError, ValidationFailed
from bot.privacy import redact
from bot.store.clean import clean_text
from bot.store.tables import CoachingRecordRow, SessionRow

Kind = Literal["assessment", "plan", "resume", "interview"]
KINDS = ("assessment", "plan", "resume", "interview")
Write = Callable[[Callable[[Session], Any]], Any]  # Store._write: one retried write transaction


class CoachingRecord(BaseModel):
    id: int
    kind: str
    data: dict[str, Any]
    shared: bool
    created_at: datetime
    updated_at: datetime


def _redact_deep(value: Any) -> Any:
    if isinstance(value, str):
        return redact(clean_text(value))
    if isinstance(value, dict):
        return {clean_text(str(k)): _redact_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_deep(v) for v in value]
    return value


def _record(row: CoachingRecordRow) -> CoachingRecord:
    return CoachingRecord(
        id=row.id,
        kind=row.kind,
        data=dict(row.data),
        shared=row.shared,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class CoachingRecords:
    """Reads and writes ``coaching_records``; built by :class:`bot.store.Store`."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        write: Write,
        clock: Callable[[], datetime],
        digest: Callable[[str], str],
    ) -> None:
        self._sessions = sessions
        self._write = write
        self._clock = clock
        self._digest = digest

    def _known(self, db: Session, session_id: str) -> str:
        digest = self._digest(session_id)
        if db.get(SessionRow, digest) is None:
            raise NotFoundError("unknown session", message_zh="会话不存在或已过期")
        return digest

    def save(
        self, session_id: str, kind: str, data: dict[str, Any], record_id: int | None = None
    ) -> int:
        """Write a new record, or replace the data of the session's record ``record_id``."""
        if kind not in KINDS:
            raise ValidationFailed(
                f"unknown record kind '{kind}' (kinds: {', '.join(KINDS)})",
                message_zh=f"未知的记录类型“{kind}”",
            )
        now = self._clock()
        stored = _redact_deep(data)

        def write(db: Session) -> int:
            digest = self._known(db, session_id)
            if record_id is not None:
                row = db.get(CoachingRecordRow, record_id)
                if row is None or row.session_sha256 != digest or row.kind != kind:
                    raise NotFoundError(
                        f"record {record_id} is not a {kind} of this session",
                        message_zh=f"记录 {record_id} 不属于本会话",
                    )
                row.data = stored
                row.updated_at = now
                return row.id
            row = CoachingRecordRow(
                session_sha256=digest,
                kind=kind,
                data=stored,
                shared=False,
                created_at=now,
                updated_at=now,
            )
            db.add(row)
            db.flush()
            return row.id

        result: int = self._write(write)
        return result

    def latest(self, session_id: str, kind: str) -> CoachingRecord | None:
        with self._sessions() as db:
            digest = self._known(db, session_id)
            row = db.scalars(
                select(CoachingRecordRow)
                .where(CoachingRecordRow.session_sha256 == digest, CoachingRecordRow.kind == kind)
                .order_by(CoachingRecordRow.id.desc())
                .limit(1)
            ).first()
            return _record(row) if row else None

    def of_session(self, session_id: str) -> list[CoachingRecord]:
        with self._sessions() as db:
            digest = self._known(db, session_id)
            rows = db.scalars(
                select(CoachingRecordRow)
                .where(CoachingRecordRow.session_sha256 == digest)
                .order_by(CoachingRecordRow.id)
            )
            return [_record(r) for r in rows]

    def share(self, session_id: str, record_id: int, shared: bool = True) -> None:
        def write(db: Session) -> None:
            digest = self._known(db, session_id)
            row = db.get(CoachingRecordRow, record_id)
            if row is None or row.session_sha256 != digest:
                raise NotFoundError(
                    f"record {record_id} is not part of this session",
                    message_zh=f"记录 {record_id} 不属于本会话",
                )
            row.shared = shared

        self._write(write)

    def shared(self, kind: str | None = None, limit: int = 100) -> list[CoachingRecord]:
        """Records graduates chose to share, newest first (what counselors may read)."""
        with self._sessions() as db:
            query = select(CoachingRecordRow).where(CoachingRecordRow.shared.is_(True))
            if kind:
                query = query.where(CoachingRecordRow.kind == kind)
            rows = db.scalars(query.order_by(CoachingRecordRow.updated_at.desc()).limit(limit))
            return [_record(r) for r in rows]
