"""The counselor's transcript list and the export: filtering conversations, summarising them.

Dates in a :class:`TranscriptFilter` are days of the configured time zone (``settings.time_zone``,
China Standard Time by default: the graduates' and counselors' day); naive datetimes are read in
the same zone, aware ones as given. Export writes one
record per turn (JSON Lines or CSV), which is what a reviewer or an evaluation set needs; it
builds the whole text in memory, fine for the tens of thousands of turns a campus produces.
A CSV cell that a spreadsheet (Excel, WPS, LibreOffice) would run as a formula — one starting
with ``= + - @``, a tab or a carriage return — gets a leading apostrophe, the usual defence
(OWASP "CSV injection"); JSON Lines is data for programs and is left as it is.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.errors import ValidationFailed
from bot.store.models import ConversationSummary, TranscriptFilter
from bot.store.rows import turn_of
from bot.store.tables import AnnotationRow, ConversationRow, FeedbackRow, FlagEventRow, TurnRow

CHINA = timezone(timedelta(hours=8), "CST")
DISTRESS_REASON = "auto: distress"  # the engine's flag reason; "auto: distress (possible)" too
_FIRST_QUESTION_CHARS = 80

CSV_COLUMNS = [
    "conversation_id",
    "turn_id",
    "position",
    "created_at",
    "lang",
    "intent",
    "mode",
    "abstained",
    "flagged",
    "conversation_flagged",
    "flag_reason",
    "latency_ms",
    "question",
    "answer",
    "citations",
    "rating",
    "feedback_comment",
    "annotations",
]


def _moment(value: date | datetime, end: bool, tz: tzinfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(0), tzinfo=tz)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(flt: TranscriptFilter, tz: tzinfo = CHINA) -> list[ColumnElement[bool]]:
    """SQL conditions on ``ConversationRow`` for the filter (empty conversations never match)."""
    in_turn: list[ColumnElement[bool]] = [TurnRow.conversation_id == ConversationRow.id]
    if flt.date_from is not None:
        in_turn.append(TurnRow.created_at >= _moment(flt.date_from, False, tz))
    if flt.date_to is not None:
        if isinstance(flt.date_to, datetime):
            in_turn.append(TurnRow.created_at <= _moment(flt.date_to, True, tz))
        else:
            in_turn.append(TurnRow.created_at < _moment(flt.date_to, True, tz))
    if flt.intent:
        in_turn.append(TurnRow.intent == flt.intent)
    if flt.text and flt.text.strip():
        pattern = f"%{_escape_like(flt.text.strip())}%"
        in_turn.append(
            or_(
                TurnRow.question.ilike(pattern, escape="\\"),
                TurnRow.answer.ilike(pattern, escape="\\"),
            )
        )
    out: list[ColumnElement[bool]] = [exists().where(*in_turn)]
    if flt.abstained is not None:
        any_abstained = exists().where(
            TurnRow.conversation_id == ConversationRow.id, TurnRow.abstained.is_(True)
        )
        out.append(any_abstained if flt.abstained else ~any_abstained)
    if flt.negative_feedback is not None:
        any_negative = exists().where(
            TurnRow.conversation_id == ConversationRow.id,
            FeedbackRow.turn_id == TurnRow.id,
            FeedbackRow.rating < 0,
        )
        out.append(any_negative if flt.negative_feedback else ~any_negative)
    if flt.flagged is not None:
        out.append(ConversationRow.flagged.is_(flt.flagged))
    if flt.unreviewed_distress is not None:
        waiting = unreviewed_distress()
        out.append(waiting if flt.unreviewed_distress else ~waiting)
    if flt.reviewed is not None:
        out.append(reviewed() if flt.reviewed else ~reviewed())
    return out


def reviewed() -> ColumnElement[bool]:
    """Marked reviewed by a counselor after its last turn."""
    return and_(
        ConversationRow.reviewed_at.is_not(None),
        ConversationRow.reviewed_at >= ConversationRow.updated_at,
    )


def unreviewed_distress() -> ColumnElement[bool]:
    """Flagged for distress by the engine, with no counselor annotation since the last flag."""
    flagged_at = (
        select(func.max(FlagEventRow.created_at))
        .where(FlagEventRow.conversation_id == ConversationRow.id, FlagEventRow.action == "flag")
        .scalar_subquery()
    )
    annotated = exists().where(
        TurnRow.conversation_id == ConversationRow.id,
        AnnotationRow.turn_id == TurnRow.id,
        AnnotationRow.created_at >= flagged_at,
    )
    marked = and_(
        ConversationRow.reviewed_at.is_not(None), ConversationRow.reviewed_at >= flagged_at
    )
    return and_(
        ConversationRow.flagged.is_(True),
        ConversationRow.flag_reason.like(f"{DISTRESS_REASON}%"),
        ~annotated,
        ~marked,
    )


def count(db: Session, flt: TranscriptFilter, tz: tzinfo = CHINA) -> int:
    """How many conversations the filter selects (ignoring its limit and offset)."""
    query = select(func.count()).select_from(ConversationRow).where(*conditions(flt, tz))
    return int(db.scalar(query) or 0)


def _query(flt: TranscriptFilter, tz: tzinfo = CHINA, *, annotations: bool) -> Select[Any]:
    load = selectinload(ConversationRow.turns)
    options = [load.selectinload(TurnRow.feedback)]
    if annotations:
        options.append(load.selectinload(TurnRow.annotations))
    order: list[Any] = [ConversationRow.updated_at.desc(), ConversationRow.id.desc()]
    if flt.order == "queue":
        rank = case((unreviewed_distress(), 0), (reviewed(), 2), else_=1)
        order = [rank, *order]
    query = (
        select(ConversationRow)
        .where(*conditions(flt, tz))
        .order_by(*order)
        .options(*options)
        .offset(flt.offset)
    )
    if flt.limit is not None:
        query = query.limit(flt.limit)
    return query


def summaries(db: Session, flt: TranscriptFilter, tz: tzinfo = CHINA) -> list[ConversationSummary]:
    out = []
    rows = db.execute(_query(flt, tz, annotations=False).add_columns(unreviewed_distress()))
    for conv, waiting in rows:
        ratings = [f.rating for t in conv.turns for f in t.feedback]
        first = conv.turns[0].question if conv.turns else ""
        out.append(
            ConversationSummary(
                id=conv.id,
                started_at=conv.started_at,
                updated_at=conv.updated_at,
                lang=conv.lang,
                turn_count=len(conv.turns),
                first_question=first[:_FIRST_QUESTION_CHARS],
                intents=sorted({t.intent for t in conv.turns}),
                abstained_turns=sum(t.abstained for t in conv.turns),
                positive_feedback=sum(r > 0 for r in ratings),
                negative_feedback=sum(r < 0 for r in ratings),
                flagged=conv.flagged,
                flag_reason=conv.flag_reason,
                title=conv.title,
                reviewed_by=conv.reviewed_by,
                reviewed_at=conv.reviewed_at,
                distress_waiting=bool(waiting),
            )
        )
    return out


def records(db: Session, flt: TranscriptFilter, tz: tzinfo = CHINA) -> Iterator[dict[str, Any]]:
    """One flat record per turn of the selected conversations, in conversation order."""
    for conv in db.scalars(_query(flt, tz, annotations=True)):
        for row in conv.turns:
            turn = turn_of(row)
            yield {
                "conversation_id": conv.id,
                "turn_id": turn.id,
                "position": turn.position,
                "created_at": turn.created_at.isoformat(),
                "lang": turn.answer.lang,
                "intent": turn.answer.intent,
                "mode": turn.answer.mode,
                "abstained": turn.answer.abstained,
                "flagged": turn.answer.flagged,
                "conversation_flagged": conv.flagged,
                "flag_reason": conv.flag_reason,
                "latency_ms": turn.latency_ms,
                "question": turn.question,
                "answer": turn.answer.answer,
                "citations": [c.model_dump(mode="json") for c in turn.answer.citations],
                "rating": turn.feedback.rating if turn.feedback else None,
                "feedback_comment": turn.feedback.comment if turn.feedback else "",
                "annotations": [
                    a.model_dump(mode="json", exclude={"id"}) for a in turn.annotations
                ],
            }


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(text: str) -> str:
    """``text`` as a spreadsheet shows it, never as a formula it runs."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return inert_cell(json.dumps(value, ensure_ascii=False)) if value else ""
    if value is None:
        return ""
    if isinstance(value, str):
        return inert_cell(value)
    return value


def export(
    db: Session, flt: TranscriptFilter, fmt: Literal["jsonl", "csv"], tz: tzinfo = CHINA
) -> str:
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records(db, flt, tz))
    if fmt == "csv":
        buffer = io.StringIO()
        # CRLF rows (RFC 4180, what spreadsheets write): a field holding CR or LF is then quoted
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for record in records(db, flt, tz):
            writer.writerow({k: _cell(v) for k, v in record.items()})
        return buffer.getvalue()
    raise ValidationFailed(
        f"export format must be 'jsonl' or 'csv', not {fmt!r}",
        message_zh=f"导出格式只能是 jsonl 或 csv，而不是 {fmt!r}",
    )
