"""The store: graduate sessions, exchanges, feedback, counselor annotations and flags.

One :class:`Store` per process, built from ``Settings`` (or a URL); it runs the migrations when
opened and hands out plain pydantic objects (``bot.store.models``), never database rows.
Everything a person typed is redacted (``bot.privacy.redact``) before it is written; citations
are knowledge-base text and are kept as they are. Users and logins live in ``accounts.py``,
listing and export in ``listing.py``, staff sessions and shared secrets in ``staff.py``, a
graduate's coaching records in ``coaching.py``; this module only wires them in.

Session ids are the server's: :meth:`Store.ensure_session` keeps an id only when the database
knows it (or when the caller vouches that this server issued it, e.g. a signed cookie), and
issues a new random 256-bit id otherwise. Writes run in immediate transactions on SQLite
(``database.writer``) and are retried while the database is busy; a write the database still
refuses (disk full, locked past the timeout) raises :class:`bot.errors.StorageError`, so the
caller can answer the graduate anyway. Text is cleaned of NUL and lone surrogates
(``clean.py``) before it is written.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, aliased, selectinload, sessionmaker

from bot.chat.models import Answer
from bot.errors import NotFoundError, StorageError, ValidationFailed
from bot.notify import FlagNotice
from bot.privacy import redact
from bot.settings import Settings
from bot.store import accounts, coaching, listing, staff, stats
from bot.store.accounts import normalise_name
from bot.store.clean import clean_deep, clean_text
from bot.store.database import BUSY_TIMEOUT_S, make_engine, upgrade, writer
from bot.store.jobs import EvalJobs
from bot.store.knowledge_gaps import KnowledgeGaps
from bot.store.models import (
    AskedQuestion,
    Conversation,
    ConversationSummary,
    DayStats,
    LoginFailures,
    Role,
    SessionConversation,
    StaffLogin,
    StoredTurn,
    TranscriptFilter,
    User,
)
from bot.store.rows import conversation_of, turn_of
from bot.store.tables import (
    AnnotationRow,
    ConversationRow,
    FeedbackRow,
    FlagEventRow,
    LoginAttemptRow,
    SessionRow,
    TurnRow,
)
from bot.store.throttle import LoginThrottle
from bot.store.verified import VerifiedAnswers

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
T = TypeVar("T")
OnFlag = Callable[[FlagNotice], None]  # told of each distress flag the engine raises
_TOKEN = re.compile(r"^[A-Za-z0-9_\-.:]{16,128}$")
SYSTEM_USER = "system"  # who flags a conversation when the engine marks an answer


_TURNS = selectinload(ConversationRow.turns)
# Everything conversation_of reads, loaded in four queries instead of two per turn.
_FULL = (
    _TURNS.selectinload(TurnRow.feedback),
    _TURNS.selectinload(TurnRow.annotations),
    selectinload(ConversationRow.flag_events),
)


def _busy(error: OperationalError) -> bool:
    text = str(error.orig).lower()
    return "locked" in text or "busy" in text


def _storage_error(error: DBAPIError) -> StorageError:
    reason = str(error.orig).strip().splitlines()[0][:200] if error.orig else type(error).__name__
    return StorageError(
        f"the database refused a write: {reason}",
        message_zh=f"数据库写入失败：{reason}",
    )


def _utcnow() -> datetime:
    return datetime.now(UTC)


def new_session_id() -> str:
    """A fresh graduate session id: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _stored(text: str) -> str:
    """What a person typed, as it may be stored: cleaned, then redacted."""
    return redact(clean_text(text))


def _redact_deep(value: Any) -> Any:
    if isinstance(value, str):
        return _stored(value)
    if isinstance(value, dict):
        return {k: _redact_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_deep(v) for v in value]
    return value


class Store:
    """Transcripts, feedback, annotations, flags and accounts in one database."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        login_policy: LoginThrottle | None = None,
        hasher: PasswordHasher | None = None,
        on_flag: OnFlag | None = None,
    ) -> None:
        self._init(
            settings.sqlalchemy_url,
            clock,
            login_policy,
            hasher,
            on_flag,
            max_hashing=settings.max_concurrent_password_hashes,
            staff_lifetime=timedelta(hours=settings.staff_session_hours),
            tz=settings.tz,
        )

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        clock: Clock | None = None,
        login_policy: LoginThrottle | None = None,
        hasher: PasswordHasher | None = None,
        on_flag: OnFlag | None = None,
        tz: tzinfo | None = None,
    ) -> Store:
        """Open the database at ``url``; ``clock``, ``login_policy`` and ``hasher`` are for tests
        and unusual deployments (the defaults are the product's). ``on_flag`` is called (after
        the write is committed) each time an answer raises a distress flag. ``tz`` is the zone
        whose days the filters and the dashboard count (default Asia/Shanghai)."""
        store = cls.__new__(cls)
        store._init(url, clock, login_policy, hasher, on_flag, tz=tz)
        return store

    def _init(
        self,
        url: str,
        clock: Clock | None,
        policy: LoginThrottle | None,
        hasher: PasswordHasher | None,
        on_flag: OnFlag | None = None,
        *,
        max_hashing: int = 2,
        staff_lifetime: timedelta = timedelta(hours=12),
        tz: tzinfo | None = None,
    ) -> None:
        self._on_flag = on_flag
        self.tz: tzinfo = tz or ZoneInfo("Asia/Shanghai")
        self.engine: Engine = make_engine(url)
        upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writes = sessionmaker(writer(self.engine), expire_on_commit=False)
        self._clock = clock or _utcnow
        self.accounts = accounts.Accounts(
            self._sessions,
            self._clock,
            policy,
            hasher,
            writes=self._writes,
            max_hashing=max_hashing,
        )
        self.staff = staff.StaffSessions(
            self._sessions, self._writes, self._clock, lifetime=staff_lifetime
        )
        self.coaching = coaching.CoachingRecords(self._sessions, self._write, self._clock, _digest)
        self.verified = VerifiedAnswers(self._sessions, self._write, self._clock)
        self.gaps = KnowledgeGaps(self._sessions, self._write, self._clock)
        self.jobs = EvalJobs(self._sessions, self._write, self._clock)

    def _write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one write transaction; :class:`StorageError` when the database
        refuses it.

        SQLite's busy timeout already waits for another writer at BEGIN IMMEDIATE; this retries
        the whole transaction, until the same timeout has passed, for what it does not cover
        (a busy error at commit, a lock held by a checkpoint)."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                with self._writes.begin() as db:
                    return work(db)
            except IntegrityError:
                raise
            except OperationalError as error:
                if _busy(error) and time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
                raise _storage_error(error) from error
            except DBAPIError as error:
                raise _storage_error(error) from error

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- graduate sessions and exchanges ---------------------------------------------------
    def ensure_session(self, session_id: str | None = None, *, issued: bool = False) -> str:
        """A usable session id: ``session_id`` when the database knows it, else a new one.

        The server issues ids (random, 256 bits); an unknown or malformed id from a client
        starts a new session with a new id, so no one can choose an id or reuse a guessed one.
        ``issued=True`` means the caller has checked that this server issued ``session_id``
        (the web app's signed cookie): it is then created as it is when new. A session starts
        with one empty conversation.
        """
        wellformed = session_id is not None and _TOKEN.match(session_id) is not None
        if wellformed and session_id is not None:
            with self._sessions() as db:
                if db.get(SessionRow, _digest(session_id)) is not None:
                    return session_id
        token = session_id if (issued and wellformed and session_id) else new_session_id()
        digest = _digest(token)

        def create(db: Session) -> None:
            if db.get(SessionRow, digest) is None:
                now = self._clock()
                db.add(SessionRow(token_sha256=digest, created_at=now))
                db.flush()
                db.add(self._new_conversation(digest, now))

        try:
            self._write(create)
        except IntegrityError:
            # Two requests of one new session raced (a page load and a first question); the
            # other one created it, which is all this call needs.
            with self._sessions() as db:
                if db.get(SessionRow, digest) is None:
                    raise
        return token

    def knows_session(self, session_id: str | None) -> bool:
        """True when ``session_id`` names a session of this database."""
        if not session_id or not _TOKEN.match(session_id):
            return False
        with self._sessions() as db:
            return db.get(SessionRow, _digest(session_id)) is not None

    def new_conversation(self, session_id: str) -> int:
        """Start a fresh conversation in the session (a "new chat" button); returns its id."""
        digest = self._known(session_id)

        def start(db: Session) -> int:
            row = self._new_conversation(digest, self._clock())
            db.add(row)
            db.flush()
            return row.id

        return self._write(start)

    def add_exchange(
        self,
        session_id: str,
        question: str,
        answer: Answer,
        latency_ms: int,
        conversation_id: int | None = None,
    ) -> int:
        """Store one question and its answer in the session's current conversation (or in
        ``conversation_id``, which must belong to the session).

        Returns the turn id (for feedback). An answer with ``flagged=True`` flags the
        conversation for counselors. A distress answer (``extra["distress"]`` or the distress
        intent) flags it even when it is flagged for another reason, and again when the concern
        rises from possible to likely; each such flag is passed to ``on_flag`` once, after the
        write is committed. The session must exist (:meth:`ensure_session`);
        :class:`StorageError` when the database refuses the write.
        """
        digest = _digest(session_id)
        if not self.knows_session(session_id):  # purged meanwhile: the caller's id lives on
            self.ensure_session(session_id, issued=True)
        details = clean_deep(
            {
                "citations": [c.model_dump(mode="json") for c in answer.citations],
                "warnings": list(answer.warnings),
                "standalone_query": _stored(answer.standalone_query),
                "extra": _redact_deep(answer.model_dump(mode="json")["extra"]),
            }
        )

        def add(db: Session) -> tuple[int, FlagNotice | None]:
            now = self._clock()
            if conversation_id is None:
                conv = self._current(db, digest, full=False)
            else:
                conv = self._owned(db, digest, conversation_id)
            position = db.scalar(
                select(func.count()).select_from(TurnRow).where(TurnRow.conversation_id == conv.id)
            )
            position = int(position or 0)
            turn = TurnRow(
                conversation_id=conv.id,
                position=position,
                created_at=now,
                question=_stored(question),
                answer=_stored(answer.answer),
                intent=answer.intent,
                mode=answer.mode,
                lang=answer.lang,
                abstained=answer.abstained,
                flagged=answer.flagged,
                latency_ms=max(0, min(int(latency_ms), 2**31 - 1)),
                details=details,
            )
            db.add(turn)
            if position == 0:
                conv.lang = answer.lang
            conv.updated_at = now
            notice: FlagNotice | None = None
            level = _distress_level(answer)
            if answer.flagged and _raises_flag(conv, level, lambda: self._reviewed(db, conv.id)):
                reason = _flag_reason(answer, level)
                self._set_flag(db, conv, True, reason, SYSTEM_USER, now)
                if level:
                    reason_detail = str(answer.extra.get("distress_reason", ""))
                    notice = FlagNotice.of(
                        conv.id, level, reason_detail, question, answer.lang, now
                    )
            db.flush()
            return turn.id, notice

        turn_id, notice = self._write(add)  # a retried transaction rebuilds its notice
        if notice is not None and self._on_flag is not None:
            try:
                self._on_flag(notice)
            except Exception as error:  # telling a counselor must never lose the exchange
                log.error("distress notification hook failed: %s", error)
        return turn_id

    def conversation_for_session(
        self, session_id: str, conversation_id: int | None = None
    ) -> Conversation:
        """The session's current conversation (or ``conversation_id`` of it), without
        counselors' annotations, flags or reviews."""
        digest = self._known(session_id)
        with self._sessions.begin() as db:
            if conversation_id is None:
                conv = self._current(db, digest)
            else:
                conv = self._owned(db, digest, conversation_id)
            full = conversation_of(conv)
        for turn in full.turns:
            turn.annotations = []
        hidden = {"flagged": False, "flag_reason": "", "flag_events": [], "reviewed_by": None}
        return full.model_copy(update={**hidden, "reviewed_at": None})

    def session_conversations(self, session_id: str) -> list[SessionConversation]:
        """The session's conversations with at least one turn, most recently used first."""
        digest = self._known(session_id)
        with self._sessions() as db:
            turns = func.count(TurnRow.id)
            opening = aliased(TurnRow)
            first = (
                select(opening.question)
                .where(opening.conversation_id == ConversationRow.id)
                .order_by(opening.position)
                .limit(1)
                .correlate(ConversationRow)
                .scalar_subquery()
            )
            rows = db.execute(
                select(ConversationRow, turns, first)
                .join(TurnRow, TurnRow.conversation_id == ConversationRow.id)
                .where(ConversationRow.session_sha256 == digest)
                .group_by(ConversationRow.id)
                .order_by(ConversationRow.updated_at.desc(), ConversationRow.id.desc())
            ).all()
        return [
            SessionConversation(
                id=conv.id,
                title=conv.title or str(question or "")[:60],
                updated_at=conv.updated_at,
                turn_count=int(count),
            )
            for conv, count, question in rows
        ]

    def rename_conversation(self, session_id: str, conversation_id: int, title: str) -> None:
        """The graduate's own name for a conversation (empty: back to the first question)."""
        title = _stored(" ".join(title.split()))
        if len(title) > 200:
            raise ValidationFailed(
                "title: at most 200 characters", message_zh="标题 title：最多 200 个字符"
            )
        digest = self._known(session_id)

        def write(db: Session) -> None:
            self._owned(db, digest, conversation_id).title = title

        self._write(write)

    def delete_conversation(self, session_id: str, conversation_id: int) -> None:
        """Delete one of the session's conversations with everything in it (turns, feedback,
        counselors' annotations and flags): the graduate asked for it to be gone."""
        digest = self._known(session_id)

        def write(db: Session) -> None:
            db.delete(self._owned(db, digest, conversation_id))

        self._write(write)
        log.info("a graduate deleted conversation %s", conversation_id)

    def delete_last_turn(self, session_id: str, conversation_id: int) -> str:
        """Remove the conversation's last exchange (to ask it again); returns its question."""
        digest = self._known(session_id)

        def write(db: Session) -> str:
            conv = self._owned(db, digest, conversation_id)
            last = db.scalars(
                select(TurnRow)
                .where(TurnRow.conversation_id == conv.id)
                .order_by(TurnRow.position.desc())
                .limit(1)
            ).first()
            if last is None:
                raise NotFoundError(
                    "the conversation has no answer to regenerate",
                    message_zh="这个对话还没有可以重新生成的回答",
                )
            question = last.question
            db.delete(last)
            return question

        return self._write(write)

    def record_feedback(
        self, turn_id: int, session_id: str, rating: int, comment: str = ""
    ) -> None:
        """👍 (+1) or 👎 (-1) on a turn of the graduate's own session; re-rating replaces."""
        if rating not in (1, -1):
            raise ValidationFailed(
                f"rating must be +1 or -1, not {rating!r}",
                message_zh=f"评价 rating 只能是 +1 或 -1，而不是 {rating!r}",
            )
        if not 0 < turn_id < 2**31:
            raise NotFoundError(
                f"turn {turn_id} is not part of this session",
                message_zh=f"本会话中没有第 {turn_id} 轮对话",
            )
        digest = _digest(session_id)

        def rate(db: Session) -> None:
            turn = db.get(TurnRow, turn_id)
            if turn is None or turn.conversation.session_sha256 != digest:
                raise NotFoundError(
                    f"turn {turn_id} is not part of this session",
                    message_zh=f"本会话中没有第 {turn_id} 轮对话",
                )
            found = db.scalars(
                select(FeedbackRow).where(
                    FeedbackRow.turn_id == turn_id, FeedbackRow.session_sha256 == digest
                )
            ).first()
            if found is None:
                found = FeedbackRow(turn_id=turn_id, session_sha256=digest)
                db.add(found)
            found.rating = rating
            found.comment = _stored(comment.strip())
            found.created_at = self._clock()

        for attempt in range(2):
            try:
                self._write(rate)
                return
            except IntegrityError:  # a concurrent first rating won; replace it
                if attempt:
                    raise

    # --- counselors --------------------------------------------------------------------------
    def list_conversations(self, flt: TranscriptFilter | None = None) -> list[ConversationSummary]:
        with self._sessions() as db:
            return listing.summaries(db, flt or TranscriptFilter(), self.tz)

    def count_conversations(self, flt: TranscriptFilter | None = None) -> int:
        """How many conversations ``flt`` selects, whatever its limit."""
        with self._sessions() as db:
            return listing.count(db, flt or TranscriptFilter(), self.tz)

    def mark_reviewed(self, conversation_id: int, by_user: str) -> None:
        """A counselor has read the conversation as it stands (new turns make it unreviewed)."""

        def write(db: Session) -> None:
            conv = self._conversation(db, conversation_id)
            conv.reviewed_by = by_user
            conv.reviewed_at = max(self._clock(), conv.updated_at)

        self._write(write)

    def day_stats(self, first: date, last: date) -> list[DayStats]:
        """Counts per day of the configured zone, ``first`` to ``last`` inclusive."""
        with self._sessions() as db:
            return stats.days(db, first, last, self.tz)

    def asked_unanswered(
        self, since: datetime | None = None, limit: int = 2000
    ) -> list[AskedQuestion]:
        """Policy questions that were not answered or whose answer got a 👎, newest first."""
        with self._sessions() as db:
            return stats.unanswered(db, since, limit)

    def distress_queue(self, limit: int | None = 50) -> list[ConversationSummary]:
        """Conversations flagged for distress that no counselor has reviewed since, newest first.

        Reviewing means annotating any turn of it after the flag (or unflagging it)."""
        flt = TranscriptFilter(unreviewed_distress=True, limit=limit)
        return self.list_conversations(flt)

    def unreviewed_distress_count(self) -> int:
        return self.count_conversations(TranscriptFilter(unreviewed_distress=True, limit=None))

    def get_conversation(self, conversation_id: int) -> Conversation:
        """Everything about one conversation: turns, citations, feedback, annotations, flags."""
        with self._sessions() as db:
            return conversation_of(self._conversation(db, conversation_id))

    def find_turn(self, turn_id: int) -> StoredTurn | None:
        """One stored turn with its feedback and annotations (for counselors), or None."""
        with self._sessions() as db:
            row = db.get(
                TurnRow,
                turn_id,
                options=[selectinload(TurnRow.feedback), selectinload(TurnRow.annotations)],
            )
            return turn_of(row) if row is not None else None

    def annotate(
        self,
        turn_id: int,
        by_user: str,
        correct: bool | None = None,
        citations_ok: bool | None = None,
        tone_ok: bool | None = None,
        note: str = "",
    ) -> int:
        """A counselor's review of one turn; annotating the same turn again replaces it."""

        def write(db: Session) -> int:
            if db.get(TurnRow, turn_id) is None:
                raise NotFoundError(
                    f"turn {turn_id} does not exist", message_zh=f"没有第 {turn_id} 轮对话"
                )
            row = db.scalars(
                select(AnnotationRow).where(
                    AnnotationRow.turn_id == turn_id, AnnotationRow.by_user == by_user
                )
            ).first()
            if row is None:
                row = AnnotationRow(turn_id=turn_id, by_user=by_user)
                db.add(row)
            row.correct, row.citations_ok, row.tone_ok = correct, citations_ok, tone_ok
            row.note = _stored(note.strip())
            row.created_at = self._clock()
            db.flush()
            return row.id

        return self._write(write)

    def flag(self, conversation_id: int, reason: str, by_user: str) -> None:
        def write(db: Session) -> None:
            conv = self._conversation(db, conversation_id)
            self._set_flag(db, conv, True, reason, by_user, self._clock())

        self._write(write)

    def unflag(self, conversation_id: int, by_user: str) -> None:
        def write(db: Session) -> None:
            conv = self._conversation(db, conversation_id)
            self._set_flag(db, conv, False, "", by_user, self._clock())

        self._write(write)

    def export(
        self, flt: TranscriptFilter | None = None, fmt: Literal["jsonl", "csv"] = "jsonl"
    ) -> str:
        """The selected conversations, one line (or CSV row) per turn."""
        with self._sessions() as db:
            return listing.export(db, flt or TranscriptFilter(limit=None), fmt, self.tz)

    def purgeable(self, older_than: timedelta) -> int:
        """How many conversations :meth:`purge` with ``older_than`` would delete now."""
        cutoff = self._clock() - older_than
        with self._sessions() as db:
            query = select(func.count()).where(ConversationRow.updated_at < cutoff)
            return int(db.scalar(query) or 0)

    def purge(self, older_than: timedelta) -> int:
        """Delete conversations whose last activity is older than ``older_than``; returns how many.

        Their turns, feedback, annotations and flag events go with them, as do sessions left
        without a conversation and login attempts past the cut-off.
        """
        cutoff = self._clock() - older_than

        def write(db: Session) -> Any:
            result = db.execute(delete(ConversationRow).where(ConversationRow.updated_at < cutoff))
            alive = select(ConversationRow.session_sha256)
            db.execute(
                delete(SessionRow).where(
                    SessionRow.created_at < cutoff, SessionRow.token_sha256.not_in(alive)
                )
            )
            db.execute(delete(LoginAttemptRow).where(LoginAttemptRow.created_at < cutoff))
            return getattr(result, "rowcount", 0)

        gone = self._write(write)
        log.info("purged %s conversations older than %s", gone, cutoff.isoformat())
        return int(gone or 0)

    # --- accounts ----------------------------------------------------------------------------
    def add_user(self, name: str, role: Role, password: str) -> User:
        return self.accounts.add_user(name, role, password)

    def list_users(self) -> list[User]:
        return self.accounts.list_users()

    def remove_user(self, name: str) -> None:
        self.accounts.remove_user(name)

    def set_password(self, name: str, password: str) -> None:
        self.accounts.set_password(name, password)

    def authenticate(self, name: str, password: str, client: str = "") -> User:
        return self.accounts.authenticate(name, password, client)

    def login_failures(self, since: timedelta = timedelta(days=7)) -> list[LoginFailures]:
        """Failed logins of the last ``since``, by name and client, for the maintainer."""
        return self.accounts.failures(self._clock() - since)

    # --- staff sessions and shared secrets -----------------------------------------------------
    def open_staff_session(self, name: str, client: str = "") -> str:
        """A server-side session for a user who just logged in; returns the cookie's token."""
        return self.staff.open(normalise_name(name), client)

    def staff_session(self, token: str | None) -> StaffLogin | None:
        """The live login behind a cookie's token, or None (unknown, ended or expired)."""
        return self.staff.get(token)

    def close_staff_session(self, token: str | None) -> None:
        self.staff.close(token)

    def shared_secret(self, name: str, legacy_file: Path | None = None) -> bytes:
        """A secret common to every process on this database (created on first use)."""
        return staff.shared_secret(self._sessions, self._writes, name, self._clock(), legacy_file)

    # --- helpers -----------------------------------------------------------------------------
    def _known(self, session_id: str) -> str:
        digest = _digest(session_id)
        with self._sessions() as db:
            if db.get(SessionRow, digest) is None:
                raise NotFoundError("unknown session", message_zh="会话不存在或已过期")
        return digest

    @staticmethod
    def _new_conversation(digest: str, now: datetime) -> ConversationRow:
        return ConversationRow(
            session_sha256=digest, started_at=now, updated_at=now, flagged=False, flag_reason=""
        )

    def _current(self, db: Session, digest: str, full: bool = True) -> ConversationRow:
        query = (
            select(ConversationRow)
            .where(ConversationRow.session_sha256 == digest)
            .order_by(ConversationRow.id.desc())
            .limit(1)
        )
        conv = db.scalars(query.options(*_FULL) if full else query).first()
        if conv is None:  # purged while the session lived on
            conv = self._new_conversation(digest, self._clock())
            db.add(conv)
            db.flush()
        return conv

    @staticmethod
    def _owned(db: Session, digest: str, conversation_id: int) -> ConversationRow:
        conv = db.get(ConversationRow, conversation_id, options=_FULL)
        if conv is None or conv.session_sha256 != digest:
            raise NotFoundError(
                f"conversation {conversation_id} is not part of this session",
                message_zh=f"本会话中没有对话 {conversation_id}",
            )
        return conv

    @staticmethod
    def _conversation(db: Session, conversation_id: int) -> ConversationRow:
        conv = db.get(ConversationRow, conversation_id, options=_FULL)
        if conv is None:
            raise NotFoundError(
                f"conversation {conversation_id} does not exist",
                message_zh=f"对话 {conversation_id} 不存在",
            )
        return conv

    @staticmethod
    def _reviewed(db: Session, conversation_id: int) -> bool:
        """True when a counselor annotated a turn after the conversation's last flag."""
        waiting = select(ConversationRow.id).where(
            ConversationRow.id == conversation_id, listing.unreviewed_distress()
        )
        return db.scalar(waiting) is None

    @staticmethod
    def _set_flag(
        db: Session, conv: ConversationRow, on: bool, reason: str, by_user: str, now: datetime
    ) -> None:
        conv.flagged = on
        conv.flag_reason = _stored(reason.strip()) if on else ""
        db.add(
            FlagEventRow(
                conversation_id=conv.id,
                action="flag" if on else "unflag",
                reason=conv.flag_reason,
                by_user=by_user,
                created_at=now,
            )
        )


def _distress_level(answer: Answer) -> str:
    """``likely``/``possible`` for a distress answer, "" for any other."""
    level = str(answer.extra.get("distress", ""))
    if level in ("likely", "possible"):
        return level
    return "likely" if answer.intent == "distress" else ""


def _flag_reason(answer: Answer, level: str) -> str:
    if level == "likely":
        return listing.DISTRESS_REASON
    if level:
        return f"{listing.DISTRESS_REASON} ({level})"
    return f"auto: {answer.intent}"


def _raises_flag(conv: ConversationRow, level: str, reviewed: Callable[[], bool]) -> bool:
    """A new flag: none yet, distress over another reason, possible -> likely, or distress again
    after a counselor reviewed the last distress flag."""
    if not conv.flagged:
        return True
    if not level:
        return False
    current = conv.flag_reason
    if not current.startswith(listing.DISTRESS_REASON):
        return True
    if level == "likely" and current != listing.DISTRESS_REASON:
        return True
    return reviewed()
