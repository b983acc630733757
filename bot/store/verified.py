"""Verified answers: a counselor's answer to a group of questions, with citations and an expiry.

Kept apart from ``store.py`` and reached as ``store.verified``. Matching a new question against
them, and checking that their documents still stand, is ``bot.verified``'s business; this module
only keeps them, withdraws them and remembers whether a counselor has seen a withdrawal.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.errors import NotFoundError, ValidationFailed
from bot.privacy import redact
from bot.store.database import StorePart
from bot.store.models import VerifiedAnswer, VerifiedCitation
from bot.store.tables import VerifiedAnswerRow

MAX_QUESTIONS = 30


def _of(row: VerifiedAnswerRow) -> VerifiedAnswer:
    return VerifiedAnswer(
        id=row.id,
        questions=list(row.questions),
        answer=row.answer,
        lang=row.lang,  # type: ignore[arg-type]
        citations=[VerifiedCitation.model_validate(c) for c in row.citations],
        status=row.status,  # type: ignore[arg-type]
        expires_on=row.expires_on,
        created_by=row.created_by,
        created_at=row.created_at,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        withdrawn_at=row.withdrawn_at,
        withdrawn_reason=row.withdrawn_reason,
        withdrawn_seen=row.withdrawn_seen,
        served=row.served,
    )


def _checked(
    questions: list[str], answer: str, citations: list[VerifiedCitation], lang: str
) -> list[str]:
    kept = [redact(" ".join(q.split())) for q in questions if q.strip()]
    if not kept:
        raise ValidationFailed(
            "questions: give at least one question this answer is for",
            message_zh="问题 questions：请至少填写一个该回答对应的问题",
        )
    if len(kept) > MAX_QUESTIONS:
        raise ValidationFailed(
            f"questions: at most {MAX_QUESTIONS}",
            message_zh=f"问题 questions：最多 {MAX_QUESTIONS} 个",
        )
    if not answer.strip():
        raise ValidationFailed("answer: empty", message_zh="回答 answer：不能为空")
    if not citations:
        raise ValidationFailed(
            "citations: cite at least one knowledge-base passage",
            message_zh="引用 citations：请至少引用一段知识库原文",
        )
    if lang not in ("zh", "en"):
        raise ValidationFailed(
            f"lang: {lang!r} is not zh or en", message_zh="语言 lang 应为 zh 或 en"
        )
    return kept


class VerifiedAnswers(StorePart):
    def add(
        self,
        questions: list[str],
        answer: str,
        citations: list[VerifiedCitation],
        by_user: str,
        *,
        lang: str = "zh",
        expires_on: date | None = None,
    ) -> VerifiedAnswer:
        """Write and approve an answer (the counselor who writes it approves it)."""
        kept = _checked(questions, answer, citations, lang)
        now = self._clock()
        if expires_on is not None and expires_on <= now.date():
            raise ValidationFailed(
                f"expires_on: {expires_on} is not in the future",
                message_zh=f"有效期 expires_on：{expires_on} 已经过去",
            )

        def work(db: Session) -> VerifiedAnswer:
            row = VerifiedAnswerRow(
                questions=kept,
                answer=answer.strip(),
                lang=lang,
                citations=[c.model_dump(mode="json") for c in citations],
                status="active",
                expires_on=expires_on,
                created_by=by_user,
                created_at=now,
                approved_by=by_user,
                approved_at=now,
                withdrawn_reason="",
                withdrawn_seen=False,
                served=0,
            )
            db.add(row)
            db.flush()
            return _of(row)

        return self._write(work)

    def get(self, answer_id: int) -> VerifiedAnswer:
        with self._sessions() as db:
            return _of(self._row(db, answer_id))

    def find(self, status: str | None = None) -> list[VerifiedAnswer]:
        query = select(VerifiedAnswerRow).order_by(VerifiedAnswerRow.id.desc())
        if status is not None:
            query = query.where(VerifiedAnswerRow.status == status)
        with self._sessions() as db:
            return [_of(r) for r in db.scalars(query)]

    def active(self) -> list[VerifiedAnswer]:
        return self.find("active")

    def withdraw(self, answer_id: int, reason: str, by_user: str = "system") -> VerifiedAnswer:
        """Take an answer out of service; a counselor's own withdrawal counts as seen."""

        def work(db: Session) -> VerifiedAnswer:
            row = self._row(db, answer_id)
            if row.status != "withdrawn":
                row.status = "withdrawn"
                row.withdrawn_at = self._clock()
                row.withdrawn_reason = reason
                row.withdrawn_seen = by_user != "system"
            return _of(row)

        return self._write(work)

    def unseen_withdrawals(self) -> list[VerifiedAnswer]:
        """Answers withdrawn automatically that no counselor has acknowledged yet."""
        query = select(VerifiedAnswerRow).where(
            VerifiedAnswerRow.status == "withdrawn", VerifiedAnswerRow.withdrawn_seen.is_(False)
        )
        with self._sessions() as db:
            return [_of(r) for r in db.scalars(query.order_by(VerifiedAnswerRow.id))]

    def acknowledge(self, answer_ids: list[int]) -> None:
        def work(db: Session) -> None:
            db.execute(
                update(VerifiedAnswerRow)
                .where(VerifiedAnswerRow.id.in_(answer_ids))
                .values(withdrawn_seen=True)
            )

        self._write(work)

    def record_served(self, answer_id: int) -> None:
        def work(db: Session) -> None:
            db.execute(
                update(VerifiedAnswerRow)
                .where(VerifiedAnswerRow.id == answer_id)
                .values(served=VerifiedAnswerRow.served + 1)
            )

        self._write(work)

    @staticmethod
    def _row(db: Session, answer_id: int) -> VerifiedAnswerRow:
        row = db.get(VerifiedAnswerRow, answer_id)
        if row is None:
            raise NotFoundError(
                f"verified answer {answer_id} does not exist",
                message_zh=f"审核回答 {answer_id} 不存在",
            )
        return row


def citation_of(data: dict[str, Any]) -> VerifiedCitation:
    return VerifiedCitation.model_validate(data)
