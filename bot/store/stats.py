"""Counts for the counselor dashboard and the questions behind the knowledge-gap list.

Days are days of the configured time zone. The counting is done in Python over the turns of the
period (a campus has thousands of turns a month, not millions), which keeps it identical on
SQLite and PostgreSQL; grouping questions by meaning is not done here (``bot.insights``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.store.listing import DISTRESS_REASON
from bot.store.models import AskedQuestion, DayStats
from bot.store.tables import FeedbackRow, FlagEventRow, TurnRow


def _bounds(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def days(db: Session, first: date, last: date, tz: tzinfo) -> list[DayStats]:
    """One :class:`DayStats` per day from ``first`` to ``last``, empty days included."""
    start, end = _bounds(first, last, tz)
    out = {
        first + timedelta(days=i): DayStats(day=first + timedelta(days=i))
        for i in range((last - first).days + 1)
    }
    seen: dict[date, set[int]] = {d: set() for d in out}
    turns = db.execute(
        select(
            TurnRow.id,
            TurnRow.conversation_id,
            TurnRow.created_at,
            TurnRow.intent,
            TurnRow.abstained,
            TurnRow.latency_ms,
        ).where(TurnRow.created_at >= start, TurnRow.created_at < end)
    ).all()
    day_of_turn: dict[int, date] = {}
    for turn_id, conv_id, created, intent, abstained, latency in turns:
        day = created.astimezone(tz).date()
        stats = out[day]
        day_of_turn[turn_id] = day
        seen[day].add(conv_id)
        stats.answers += 1
        stats.abstained += bool(abstained and intent == "policy")
        stats.latencies_ms.append(int(latency))
        stats.intents[intent] = stats.intents.get(intent, 0) + 1
    for day, convs in seen.items():
        out[day].conversations = len(convs)
    if day_of_turn:
        ratings = db.execute(
            select(FeedbackRow.turn_id, FeedbackRow.rating).where(
                FeedbackRow.turn_id.in_(list(day_of_turn))
            )
        ).all()
        for turn_id, rating in ratings:
            stats = out[day_of_turn[turn_id]]
            stats.rated += 1
            stats.negative += rating < 0
    flags = db.scalars(
        select(FlagEventRow.created_at).where(
            FlagEventRow.action == "flag",
            FlagEventRow.reason.like(f"{DISTRESS_REASON}%"),
            FlagEventRow.created_at >= start,
            FlagEventRow.created_at < end,
        )
    ).all()
    for created in flags:
        out[created.astimezone(tz).date()].distress_flags += 1
    return list(out.values())


def unanswered(db: Session, since: datetime | None, limit: int) -> list[AskedQuestion]:
    """Policy questions the engine abstained on, or whose answer a graduate rated 👎."""
    negative = select(FeedbackRow.turn_id).where(FeedbackRow.rating < 0)
    query = (
        select(TurnRow)
        .where(
            TurnRow.intent == "policy",
            or_(TurnRow.abstained.is_(True), TurnRow.id.in_(negative)),
        )
        .order_by(TurnRow.created_at.desc(), TurnRow.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(TurnRow.created_at >= since)
    rows = db.scalars(query).all()
    disliked = set(db.scalars(negative.where(FeedbackRow.turn_id.in_([r.id for r in rows]))))
    return [
        AskedQuestion(
            turn_id=r.id,
            conversation_id=r.conversation_id,
            question=r.question,
            created_at=r.created_at,
            abstained=r.abstained,
            negative=r.id in disliked,
        )
        for r in rows
    ]
