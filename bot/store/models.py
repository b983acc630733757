"""What the store gives back: conversations, turns, feedback, annotations, users, and the filter.

Plain pydantic data, detached from the database, so the web app and the CLI never hold a
database session. Every time is an aware UTC ``datetime``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from bot.chat.models import Answer, Turn

Role = Literal["counselor", "maintainer"]
ROLES: tuple[Role, ...] = ("counselor", "maintainer")


class TranscriptFilter(BaseModel):
    """What a counselor's transcript list (and the export) selects.

    Turn-level criteria (dates, intent, abstained, text) select conversations holding at least one
    turn that meets all of them; ``negative_feedback`` and ``flagged`` are about the conversation.
    ``date_to`` includes its whole day when it is a ``date``. ``limit=None`` means no limit.
    """

    date_from: date | datetime | None = None
    date_to: date | datetime | None = None
    intent: str | None = None
    abstained: bool | None = None
    negative_feedback: bool | None = None  # True: at least one 👎; False: none
    flagged: bool | None = None
    # True: flagged for distress by the engine and not reviewed since (no counselor annotation
    # on any of its turns after the flag was raised, and not unflagged); False: the others
    unreviewed_distress: bool | None = None
    text: str | None = None  # case-insensitive substring of a question or an answer
    # True: reviewed by a counselor since its last turn; False: not (never, or new turns since)
    reviewed: bool | None = None
    # "recent": newest first; "queue": unreviewed distress flags, then unreviewed, then the rest
    order: Literal["recent", "queue"] = "recent"
    limit: int | None = Field(default=50, ge=1)
    offset: int = Field(default=0, ge=0)


class Feedback(BaseModel):
    rating: Literal[1, -1]
    comment: str = ""
    created_at: datetime


class Annotation(BaseModel):
    id: int
    by_user: str
    correct: bool | None = None
    citations_ok: bool | None = None
    tone_ok: bool | None = None
    note: str = ""
    created_at: datetime


class FlagEvent(BaseModel):
    action: Literal["flag", "unflag"]
    reason: str = ""
    by_user: str
    created_at: datetime


class StoredTurn(BaseModel):
    """One stored exchange: the (redacted) question and the engine's full answer."""

    id: int
    position: int
    created_at: datetime
    question: str
    answer: Answer
    latency_ms: int
    feedback: Feedback | None = None
    annotations: list[Annotation] = Field(default_factory=list)


class Conversation(BaseModel):
    id: int
    started_at: datetime
    updated_at: datetime
    lang: str = "zh"
    flagged: bool = False
    flag_reason: str = ""
    title: str = ""
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    turns: list[StoredTurn] = Field(default_factory=list)
    flag_events: list[FlagEvent] = Field(default_factory=list)

    def history(self) -> list[Turn]:
        """The conversation as the engine's history (user and assistant turns in order)."""
        out: list[Turn] = []
        for turn in self.turns:
            out.append(Turn(role="user", text=turn.question))
            out.append(Turn(role="assistant", text=turn.answer.answer))
        return out


class ConversationSummary(BaseModel):
    """One line of the counselor's transcript list."""

    id: int
    started_at: datetime
    updated_at: datetime
    lang: str = "zh"
    turn_count: int
    first_question: str
    intents: list[str]
    abstained_turns: int
    positive_feedback: int
    negative_feedback: int
    flagged: bool
    flag_reason: str = ""
    title: str = ""
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    distress_waiting: bool = False  # flagged for distress and not reviewed since


class SessionConversation(BaseModel):
    """One entry of a graduate's own conversation list (this browser's)."""

    id: int
    title: str  # the graduate's name for it, else the first question
    updated_at: datetime
    turn_count: int


class VerifiedCitation(BaseModel):
    """A knowledge-base passage a verified answer cites, as it was when approved."""

    doc_id: str
    chunk_id: str = ""
    title: str = ""
    section: str = ""
    page: int | None = None
    date: str = ""
    text: str = ""


class VerifiedAnswer(BaseModel):
    id: int
    questions: list[str]
    answer: str
    lang: Literal["zh", "en"] = "zh"
    citations: list[VerifiedCitation] = Field(default_factory=list)
    status: Literal["active", "withdrawn"] = "active"
    expires_on: date | None = None
    created_by: str
    created_at: datetime
    approved_by: str
    approved_at: datetime
    withdrawn_at: datetime | None = None
    withdrawn_reason: str = ""
    withdrawn_seen: bool = False
    served: int = 0


GapStatus = Literal["open", "document_added", "wont_cover"]
GAP_STATUSES: tuple[GapStatus, ...] = ("open", "document_added", "wont_cover")


class KnowledgeGap(BaseModel):
    id: int
    label: str
    examples: list[str]
    asked: int
    status: GapStatus = "open"
    note: str = ""
    first_seen: datetime
    last_seen: datetime
    updated_by: str = ""
    updated_at: datetime


JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]


class EvalJob(BaseModel):
    id: int
    suite: str
    kb: Literal["datasets", "live"] = "datasets"
    status: JobStatus
    done: int = 0
    total: int = 0
    message: str = ""
    cancel_requested: bool = False
    pid: int | None = None
    created_by: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    passed: bool | None = None
    result: dict[str, Any] = Field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "cancelled")


class DayStats(BaseModel):
    """One day (in the configured time zone) of the counselor dashboard."""

    day: date
    conversations: int = 0
    answers: int = 0
    abstained: int = 0
    rated: int = 0
    negative: int = 0
    distress_flags: int = 0
    latencies_ms: list[int] = Field(default_factory=list)
    intents: dict[str, int] = Field(default_factory=dict)


class AskedQuestion(BaseModel):
    """A graduate's question that was not answered, or whose answer got a 👎."""

    turn_id: int
    conversation_id: int
    question: str
    created_at: datetime
    abstained: bool
    negative: bool


class User(BaseModel):
    name: str
    role: Role
    created_at: datetime
    last_login_at: datetime | None = None

    def has_role(self, role: Role) -> bool:
        """Maintainers may do everything counselors may."""
        return self.role == role or self.role == "maintainer"


# --- security (staff sessions, failed logins) ----------------------------------------------
class StaffLogin(BaseModel):
    """A live staff session: who, with which role (read from the account), until when."""

    name: str
    role: Role
    expires_at: datetime


class LoginFailures(BaseModel):
    """Failed logins of one name from one client, for the maintainer's list."""

    name: str
    client: str
    failures: int
    first_at: datetime
    last_at: datetime
