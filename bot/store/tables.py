"""The database tables of the store, as SQLAlchemy 2 declarative models.

Times are kept as naive UTC in the database (``UTCDateTime`` adds the zone back on the way out),
so SQLite and PostgreSQL behave alike. A graduate's session token is never stored: only its
SHA-256 digest, so whoever reads the database (a counselor, a backup) cannot take over a session.
The schema is created by the Alembic migrations in ``migrations/``, never by ``create_all``
outside tests; a test checks that the migrations and these models agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Explicit constraint names keep migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime stored as naive UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SessionRow(Base):
    """An anonymous graduate session, known only by the digest of its token."""

    __tablename__ = "sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_sha256: Mapped[str] = mapped_column(
        String(64), ForeignKey("sessions.token_sha256", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    flag_reason: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(String(200), default="")  # the graduate's own name for it
    reviewed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    turns: Mapped[list[TurnRow]] = relationship(
        back_populates="conversation",
        order_by="TurnRow.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    flag_events: Mapped[list[FlagEventRow]] = relationship(
        order_by="FlagEventRow.id", cascade="all, delete-orphan", passive_deletes=True
    )


class TurnRow(Base):
    """One exchange: the graduate's question and the engine's answer (both redacted)."""

    __tablename__ = "turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(32), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    lang: Mapped[str] = mapped_column(String(8))
    abstained: Mapped[bool] = mapped_column(Boolean)
    flagged: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[int] = mapped_column(Integer)
    # The rest of the Answer (citations, warnings, standalone query, extra) as JSON.
    details: Mapped[dict[str, Any]] = mapped_column(JSON)

    conversation: Mapped[ConversationRow] = relationship(back_populates="turns")
    feedback: Mapped[list[FeedbackRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    annotations: Mapped[list[AnnotationRow]] = relationship(
        order_by="AnnotationRow.id", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (UniqueConstraint("conversation_id", "position"),)


class FeedbackRow(Base):
    """A graduate's 👍/👎 on one turn; one per turn and session (re-rating replaces it)."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    turn_id: Mapped[int] = mapped_column(ForeignKey("turns.id", ondelete="CASCADE"))
    session_sha256: Mapped[str] = mapped_column(String(64))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("turn_id", "session_sha256"),
        Index("ix_feedback_rating", "rating"),
    )


class AnnotationRow(Base):
    """A counselor's review of one turn."""

    __tablename__ = "annotations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    turn_id: Mapped[int] = mapped_column(ForeignKey("turns.id", ondelete="CASCADE"), index=True)
    by_user: Mapped[str] = mapped_column(String(64))
    correct: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    citations_ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    tone_ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("turn_id", "by_user"),)


class FlagEventRow(Base):
    """Who flagged or unflagged a conversation, when and why (the audit trail)."""

    __tablename__ = "flag_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(8))  # "flag" or "unflag"
    reason: Mapped[str] = mapped_column(Text, default="")
    by_user: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UserRow(Base):
    """A counselor or maintainer account; the password is kept as an argon2id hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LoginAttemptRow(Base):
    """One login attempt, kept in the database so the rate limit holds across processes."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(128))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_login_attempts_name_client", "name", "client", "created_at"),)


class VerifiedAnswerRow(Base):
    """A counselor's answer to a group of questions, served instead of the engine's when a new
    question matches one of them closely; withdrawn when a cited document changes or goes."""

    __tablename__ = "verified_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    questions: Mapped[list[str]] = mapped_column(JSON)
    answer: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    # [{doc_id, chunk_id, title, section, page, date, text}] as cited when approved
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)  # active, withdrawn
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_by: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn_seen: Mapped[bool] = mapped_column(Boolean, default=False)  # a counselor was told
    served: Mapped[int] = mapped_column(Integer, default=0)


class KnowledgeGapRow(Base):
    """A group of questions the knowledge base could not answer, and what maintainers did."""

    __tablename__ = "knowledge_gaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(Text)  # the group's most central question
    turn_ids: Mapped[list[int]] = mapped_column(JSON)
    examples: Mapped[list[str]] = mapped_column(JSON)
    asked: Mapped[int] = mapped_column(Integer)  # how many conversations asked it
    status: Mapped[str] = mapped_column(String(16), index=True)  # open, document_added, wont_cover
    note: Mapped[str] = mapped_column(Text, default="")
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EvalJobRow(Base):
    """An evaluation run in a worker process: progress, cancel request, result and gate."""

    __tablename__ = "eval_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suite: Mapped[str] = mapped_column(String(32))
    kb: Mapped[str] = mapped_column(String(16))  # "datasets" (each dataset's own) or "live"
    status: Mapped[str] = mapped_column(String(16), index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # {"results": [summary…], "shortfalls": [str…], "failed": [{dataset, suite, split, id}…]}
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --- security (revision 0002) --------------------------------------------------------------
class StaffSessionRow(Base):
    """A counselor's or maintainer's login, server-side so that logout and removal end it.

    Only the SHA-256 digest of the cookie's token is kept. Removing the user deletes its
    sessions (ON DELETE CASCADE); a password change deletes them explicitly.
    """

    __tablename__ = "staff_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class SecretRow(Base):
    """A secret shared by every process on this database (e.g. the cookie-signing key)."""

    __tablename__ = "secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


Index("ix_login_attempts_client", LoginAttemptRow.client, LoginAttemptRow.created_at)


class CoachingRecordRow(Base):
    """A graduate's coaching record: an interest assessment (answers and result), a plan, a kept
    résumé review or an interview session; ``shared`` lets counselors see it."""

    __tablename__ = "coaching_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_sha256: Mapped[str] = mapped_column(
        String(64), ForeignKey("sessions.token_sha256", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    shared: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
