"""Turning database rows into the store's pydantic objects (``bot.store.models``)."""

from __future__ import annotations

from bot.chat.models import Answer, Citation
from bot.store.models import Annotation, Conversation, Feedback, FlagEvent, StoredTurn
from bot.store.tables import ConversationRow, TurnRow


def answer_of(row: TurnRow) -> Answer:
    details = row.details or {}
    return Answer(
        answer=row.answer,
        citations=[Citation.model_validate(c) for c in details.get("citations", [])],
        abstained=row.abstained,
        mode=row.mode,  # type: ignore[arg-type]
        warnings=list(details.get("warnings", [])),
        intent=row.intent,  # type: ignore[arg-type]
        flagged=row.flagged,
        lang=row.lang,  # type: ignore[arg-type]
        standalone_query=details.get("standalone_query", ""),
        extra=dict(details.get("extra", {})),
    )


def turn_of(row: TurnRow) -> StoredTurn:
    feedback = None
    if row.feedback:
        latest = max(row.feedback, key=lambda f: f.created_at)
        feedback = Feedback(
            rating=latest.rating,  # type: ignore[arg-type]
            comment=latest.comment,
            created_at=latest.created_at,
        )
    return StoredTurn(
        id=row.id,
        position=row.position,
        created_at=row.created_at,
        question=row.question,
        answer=answer_of(row),
        latency_ms=row.latency_ms,
        feedback=feedback,
        annotations=[
            Annotation(
                id=a.id,
                by_user=a.by_user,
                correct=a.correct,
                citations_ok=a.citations_ok,
                tone_ok=a.tone_ok,
                note=a.note,
                created_at=a.created_at,
            )
            for a in row.annotations
        ],
    )


def conversation_of(row: ConversationRow) -> Conversation:
    return Conversation(
        id=row.id,
        started_at=row.started_at,
        updated_at=row.updated_at,
        lang=row.lang,
        flagged=row.flagged,
        flag_reason=row.flag_reason,
        title=row.title,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        turns=[turn_of(t) for t in row.turns],
        flag_events=[
            FlagEvent(
                action=e.action,  # type: ignore[arg-type]
                reason=e.reason,
                by_user=e.by_user,
                created_at=e.created_at,
            )
            for e in row.flag_events
        ],
    )
