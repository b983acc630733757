"""The ``bot/`` objects the web app talks to, as narrow protocols in one dependencies dataclass.

``ui/app.py`` fills :class:`Services` with the real knowledge base, coach, store and planning
catalogue; handler tests fill it with small fakes. Nothing here does any work: the protocols list
only the calls the pages make, so a change in ``bot/`` that breaks the UI shows up in mypy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

from bot.chat.models import Answer, StreamEvent, Turn
from bot.settings import Settings
from bot.store.models import (
    AskedQuestion,
    Conversation,
    ConversationSummary,
    DayStats,
    EvalJob,
    LoginFailures,
    SessionConversation,
    StaffLogin,
    StoredTurn,
    TranscriptFilter,
    User,
)

Progress = Callable[[int, int, str], None]


class ChatEngine(Protocol):
    def answer(
        self, message: str, history: list[Turn] | None = None, lang: str | None = None
    ) -> Answer: ...

    def stream(
        self, message: str, history: list[Turn] | None = None, lang: str | None = None
    ) -> Iterator[StreamEvent]: ...


class KnowledgeAdmin(Protocol):
    def refresh(self, paths: list[Path], progress: Progress | None = None) -> Any: ...

    def status(self) -> Any: ...

    def remove(self, ref: str) -> list[str]: ...

    def documents(self) -> list[Any]: ...

    def search(self, query: str, k: int = 5) -> list[Any]: ...

    def chunk(self, chunk_id: str) -> Any: ...

    def embeddings(self) -> Any: ...


class TranscriptStore(Protocol):
    def ensure_session(self, session_id: str | None, *, issued: bool = False) -> str: ...

    def new_conversation(self, session_id: str) -> int: ...

    verified: Any  # bot.store.verified.VerifiedAnswers
    gaps: Any  # bot.store.knowledge_gaps.KnowledgeGaps
    jobs: Any  # bot.store.jobs.EvalJobs

    def add_exchange(
        self,
        session_id: str,
        question: str,
        answer: Answer,
        latency_ms: int,
        conversation_id: int | None = None,
    ) -> int: ...

    def conversation_for_session(
        self, session_id: str, conversation_id: int | None = None
    ) -> Conversation: ...

    def session_conversations(self, session_id: str) -> list[SessionConversation]: ...

    def rename_conversation(self, session_id: str, conversation_id: int, title: str) -> None: ...

    def delete_conversation(self, session_id: str, conversation_id: int) -> None: ...

    def delete_last_turn(self, session_id: str, conversation_id: int) -> str: ...

    def count_conversations(self, flt: TranscriptFilter | None = None) -> int: ...

    def unreviewed_distress_count(self) -> int: ...

    def mark_reviewed(self, conversation_id: int, by_user: str) -> None: ...

    def find_turn(self, turn_id: int) -> StoredTurn | None: ...

    def day_stats(self, first: date, last: date) -> list[DayStats]: ...

    def asked_unanswered(
        self, since: datetime | None = None, limit: int = 2000
    ) -> list[AskedQuestion]: ...

    def record_feedback(
        self, turn_id: int, session_id: str, rating: int, comment: str = ""
    ) -> None: ...

    def list_conversations(self, flt: TranscriptFilter) -> list[ConversationSummary]: ...

    def get_conversation(self, conversation_id: int) -> Conversation: ...

    def annotate(
        self,
        turn_id: int,
        by_user: str,
        correct: bool | None,
        citations_ok: bool | None,
        tone_ok: bool | None,
        note: str,
    ) -> Any: ...

    def flag(self, conversation_id: int, reason: str, by_user: str) -> Any: ...

    def unflag(self, conversation_id: int, by_user: str) -> Any: ...

    def export(
        self, flt: TranscriptFilter | None = None, fmt: Literal["jsonl", "csv"] = "jsonl"
    ) -> str: ...

    def authenticate(self, name: str, password: str, client: str = "") -> User: ...

    def open_staff_session(self, name: str, client: str = "") -> str: ...

    def staff_session(self, token: str | None) -> StaffLogin | None: ...

    def close_staff_session(self, token: str | None) -> None: ...

    def login_failures(self, since: timedelta = ...) -> list[LoginFailures]: ...

    def shared_secret(self, name: str, legacy_file: Path | None = None) -> bytes: ...

    def purge(self, older_than: timedelta) -> int: ...


class VerifiedAdmin(Protocol):
    def sweep(self) -> list[Any]: ...


class JobRunner(Protocol):
    def start(self, suite: str, kb: str, by_user: str) -> EvalJob: ...

    def cancel(self, job_id: int) -> EvalJob: ...

    def recent(self, limit: int = 20) -> list[EvalJob]: ...


class PlanMaker(Protocol):
    """Turns the profile form into a plan in Markdown (and the profile it understood)."""

    def __call__(self, fields: dict[str, Any], lang: str) -> tuple[str, dict[str, Any]]: ...


@dataclass
class Services:
    """Everything the pages call; built once by ``ui.app.build_services``."""

    settings: Settings
    coach: ChatEngine
    kb: KnowledgeAdmin
    store: TranscriptStore
    plan: PlanMaker | None = None
    coaching: Any = None  # bot.coaching.service.Coaching, or None when its data cannot load
    uploads_dir: Path = field(default_factory=Path)
    verified: VerifiedAdmin | None = None  # bot.verified.VerifiedMatcher
    jobs: JobRunner | None = None  # bot.evaljobs.EvalJobRunner

    def __post_init__(self) -> None:
        if self.uploads_dir == Path():
            self.uploads_dir = self.settings.home / "uploads"
