"""The store: graduate sessions, exchanges, feedback, counselor annotations and flags.

One :class:`Store` per process, built from ``Settings`` (or a URL); it runs the migrations when
opened and hands out plain pydantic objects (``bot.store.models``), never database rows.
Everything a person typed is redacted (``bot.privacy.redact``) before it is written; citations
are knowledge-base text and are kept as they are. Users and logins live in ``accounts.py``,
listing and export in ``listing.py``; this module only wires them in.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, selectinload, sessionmaker

from bot.chat.models import Answer
from bot.errors import NotFoundError, ValidationFailed
from bot.notify import FlagNotice
from bot.privacy import redact
from bot.settings import Settings
from bot.store import accounts, listing, stats
from bot.store.database import make_engine, upgrade
from bot.store.jobs import EvalJobs
from bot.store.knowledge_gaps import KnowledgeGaps
from bot.store.models import (
    AskedQuestion,
    Conversation,
    ConversationSummary,
    DayStats,
    Role,
    SessionConversation,
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
from bot.store.verified import VerifiedAnswers

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
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


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _redact_deep(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
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
        login_policy: accounts.LoginPolicy | None = None,
        hasher: PasswordHasher | None = None,
        on_flag: OnFlag | None = None,
    ) -> None:
        self._init(settings.sqlalchemy_url, clock, login_policy, hasher, on_flag, settings.tz)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        clock: Clock | None = None,
        login_policy: accounts.LoginPolicy | None = None,
        hasher: PasswordHasher | None = None,
        on_flag: OnFlag | None = None,
        tz: tzinfo | None = None,
    ) -> Store:
        """Open the database at ``url``; ``clock``, ``login_policy`` and ``hasher`` are for tests
        and unusual deployments (the defaults are the product's). ``on_flag`` is called (after
        the write is committed) each time an answer raises a distress flag. ``tz`` is the zone
        whose days the filters and the dashboard count (default Asia/Shanghai)."""
        store = cls.__new__(cls)
        store._init(url, clock, login_policy, hasher, on_flag, tz)
        return store

    def _init(
        self,
        url: str,
        clock: Clock | None,
        policy: accounts.LoginPolicy | None,
        hasher: PasswordHasher | None,
        on_flag: OnFlag | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        self._on_flag = on_flag
        self.tz: tzinfo = tz or ZoneInfo("Asia/Shanghai")
        self.engine: Engine = make_engine(url)
        upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._clock = clock or _utcnow
        self.accounts = accounts.Accounts(self._sessions, self._clock, policy, hasher)
        self.verified = VerifiedAnswers(self._sessions, self._clock)
        self.gaps = KnowledgeGaps(self._sessions, self._clock)
        self.jobs = EvalJobs(self._sessions, self._clock)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- graduate sessions and exchanges ---------------------------------------------------
    def ensure_session(self, session_id: str | None = None) -> str:
        """Return a usable session id: ``session_id`` when given (created if new), else a new one.

        A session starts with one empty conversation. Ids shorter than 16 characters are refused
        so that no one can guess another graduate's id.
        """
        if session_id is not None and not _TOKEN.match(session_id):
            raise ValidationFailed(
                "session_id must be 16–128 letters, digits or -_.:",
                message_zh="会话标识 session_id 须为 16–128 位字母、数字或 -_.:",
            )
        token = session_id or secrets.token_urlsafe(24)
        digest = _digest(token)
        try:
            with self._sessions.begin() as db:
                if db.get(SessionRow, digest) is None:
                    now = self._clock()
                    db.add(SessionRow(token_sha256=digest, created_at=now))
                    db.flush()
                    db.add(self._new_conversation(digest, now))
        except IntegrityError:
            # Two requests of one new session raced (a page load and a first question); the
            # other one created it, which is all this call needs.
            with self._sessions() as db:
                if db.get(SessionRow, digest) is None:
                    raise
        return token

    def new_conversation(self, session_id: str) -> int:
        """Start a fresh conversation in the session (a "new chat" button); returns its id."""
        digest = self._known(session_id)
        with self._sessions.begin() as db:
            row = self._new_conversation(digest, self._clock())
            db.add(row)
            db.flush()
            return row.id

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
        rises from possible to likely; each such flag is passed to ``on_flag`` once.
        """
        digest = _digest(session_id)
        with self._sessions() as db:
            known = db.get(SessionRow, digest) is not None
        if not known:
            self.ensure_session(session_id)
        now = self._clock()
        with self._sessions.begin() as db:
            if conversation_id is None:
                conv = self._current(db, digest, full=False)
            else:
                conv = self._owned(db, digest, conversation_id)
            position = db.scalar(
                select(func.count()).select_from(TurnRow).where(TurnRow.conversation_id == conv.id)
            )
            position = int(position or 0)
            details = {
                "citations": [c.model_dump(mode="json") for c in answer.citations],
                "warnings": list(answer.warnings),
                "standalone_query": redact(answer.standalone_query),
                "extra": _redact_deep(answer.model_dump(mode="json")["extra"]),
            }
            turn = TurnRow(
                conversation_id=conv.id,
                position=position,
                created_at=now,
                question=redact(question),
                answer=redact(answer.answer),
                intent=answer.intent,
                mode=answer.mode,
                lang=answer.lang,
                abstained=answer.abstained,
                flagged=answer.flagged,
                latency_ms=max(0, int(latency_ms)),
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
            turn_id = turn.id
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
        title = redact(" ".join(title.split()))
        if len(title) > 200:
            raise ValidationFailed(
                "title: at most 200 characters", message_zh="标题 title：最多 200 个字符"
            )
        digest = self._known(session_id)
        with self._sessions.begin() as db:
            self._owned(db, digest, conversation_id).title = title

    def delete_conversation(self, session_id: str, conversation_id: int) -> None:
        """Delete one of the session's conversations with everything in it (turns, feedback,
        counselors' annotations and flags): the graduate asked for it to be gone."""
        digest = self._known(session_id)
        with self._sessions.begin() as db:
            db.delete(self._owned(db, digest, conversation_id))
        log.info("a graduate deleted conversation %s", conversation_id)

    def delete_last_turn(self, session_id: str, conversation_id: int) -> str:
        """Remove the conversation's last exchange (to ask it again); returns its question."""
        digest = self._known(session_id)
        with self._sessions.begin() as db:
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

    def record_feedback(
        self, turn_id: int, session_id: str, rating: int, comment: str = ""
    ) -> None:
        """👍 (+1) or 👎 (-1) on a turn of the graduate's own session; re-rating replaces."""
        if rating not in (1, -1):
            raise ValidationFailed(
                f"rating must be +1 or -1, not {rating!r}",
                message_zh=f"评价 rating 只能是 +1 或 -1，而不是 {rating!r}",
            )
        digest = _digest(session_id)
        for attempt in range(2):
            try:
                with self._sessions.begin() as db:
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
                    found.comment = redact(comment.strip())
                    found.created_at = self._clock()
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
        with self._sessions.begin() as db:
            conv = self._conversation(db, conversation_id)
            conv.reviewed_by = by_user
            conv.reviewed_at = max(self._clock(), conv.updated_at)

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
        with self._sessions.begin() as db:
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
            row.note = redact(note.strip())
            row.created_at = self._clock()
            db.flush()
            return row.id

    def flag(self, conversation_id: int, reason: str, by_user: str) -> None:
        with self._sessions.begin() as db:
            conv = self._conversation(db, conversation_id)
            self._set_flag(db, conv, True, reason, by_user, self._clock())

    def unflag(self, conversation_id: int, by_user: str) -> None:
        with self._sessions.begin() as db:
            conv = self._conversation(db, conversation_id)
            self._set_flag(db, conv, False, "", by_user, self._clock())

    def export(
        self, flt: TranscriptFilter | None = None, fmt: Literal["jsonl", "csv"] = "jsonl"
    ) -> str:
        """The selected conversations, one line (or CSV row) per turn."""
        with self._sessions() as db:
            return listing.export(db, flt or TranscriptFilter(limit=None), fmt, self.tz)

    def purge(self, older_than: timedelta) -> int:
        """Delete conversations whose last activity is older than ``older_than``; returns how many.

        Their turns, feedback, annotations and flag events go with them, as do sessions left
        without a conversation and login attempts past the cut-off.
        """
        cutoff = self._clock() - older_than
        with self._sessions.begin() as db:
            result = db.execute(delete(ConversationRow).where(ConversationRow.updated_at < cutoff))
            gone = getattr(result, "rowcount", 0)
            alive = select(ConversationRow.session_sha256)
            db.execute(
                delete(SessionRow).where(
                    SessionRow.created_at < cutoff, SessionRow.token_sha256.not_in(alive)
                )
            )
            db.execute(delete(LoginAttemptRow).where(LoginAttemptRow.created_at < cutoff))
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
        conv.flag_reason = redact(reason.strip()) if on else ""
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
