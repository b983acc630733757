"""Knowledge gaps: groups of unanswered questions, kept with the status maintainers give them.

Reached as ``store.gaps``. Grouping the questions by meaning is done elsewhere
(``bot.insights.group_questions``); :meth:`KnowledgeGaps.sync` takes the groups of the moment and
merges them with the stored gaps: a group sharing a question (a turn) with a stored gap is that
gap, updated, with its status and note kept; any other group is a new, open gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import NotFoundError, ValidationFailed
from bot.privacy import redact
from bot.store.database import StorePart
from bot.store.models import GAP_STATUSES, KnowledgeGap
from bot.store.tables import KnowledgeGapRow


@dataclass(frozen=True)
class GapGroup:
    """One group of similar questions as computed now."""

    label: str
    turn_ids: list[int]
    examples: list[str]
    asked: int
    first_seen: datetime
    last_seen: datetime


def _of(row: KnowledgeGapRow) -> KnowledgeGap:
    return KnowledgeGap(
        id=row.id,
        label=row.label,
        examples=list(row.examples),
        asked=row.asked,
        status=row.status,  # type: ignore[arg-type]
        note=row.note,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


class KnowledgeGaps(StorePart):
    def sync(self, groups: Sequence[GapGroup]) -> list[KnowledgeGap]:
        """Merge the groups of the moment into the stored gaps; returns every gap."""
        now = self._clock()

        def work(db: Session) -> list[KnowledgeGap]:
            rows = list(db.scalars(select(KnowledgeGapRow)))
            owner = {t: r for r in rows for t in r.turn_ids}
            for group in groups:
                found = next((owner[t] for t in group.turn_ids if t in owner), None)
                if found is None:
                    found = KnowledgeGapRow(
                        status="open",
                        note="",
                        updated_by="",
                        updated_at=now,
                        first_seen=group.first_seen,
                        turn_ids=[],
                    )
                    db.add(found)
                    rows.append(found)
                turns = sorted(set(found.turn_ids) | set(group.turn_ids))
                found.turn_ids = turns
                for t in turns:
                    owner[t] = found
                found.label = group.label
                found.examples = list(group.examples)
                found.asked = max(group.asked, found.asked if found.id else 0)
                found.first_seen = min(found.first_seen, group.first_seen)
                found.last_seen = group.last_seen
            db.flush()
            return self._sorted(rows)

        return self._write(work)

    def find(self, status: str | None = None) -> list[KnowledgeGap]:
        with self._sessions() as db:
            query = select(KnowledgeGapRow)
            if status is not None:
                query = query.where(KnowledgeGapRow.status == status)
            return self._sorted(list(db.scalars(query)))

    def set_status(self, gap_id: int, status: str, by_user: str, note: str = "") -> KnowledgeGap:
        if status not in GAP_STATUSES:
            raise ValidationFailed(
                f"status: {status!r} is not one of {', '.join(GAP_STATUSES)}",
                message_zh=f"状态 status：{status!r} 应为 open、document_added 或 wont_cover",
            )

        def work(db: Session) -> KnowledgeGap:
            row = db.get(KnowledgeGapRow, gap_id)
            if row is None:
                raise NotFoundError(
                    f"knowledge gap {gap_id} does not exist", message_zh=f"知识缺口 {gap_id} 不存在"
                )
            row.status = status
            row.note = redact(note.strip())
            row.updated_by = by_user
            row.updated_at = self._clock()
            return _of(row)

        return self._write(work)

    @staticmethod
    def _sorted(rows: list[KnowledgeGapRow]) -> list[KnowledgeGap]:
        order: dict[str, int] = {s: i for i, s in enumerate(GAP_STATUSES)}
        rows = sorted(rows, key=lambda r: (order.get(r.status, 9), -r.asked, -r.id))
        return [_of(r) for r in rows]
