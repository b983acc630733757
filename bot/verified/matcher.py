"""Match questions to verified answers; check that what they cite still stands.

A question matches a verified answer when it asks the same kind of fact as the answer's
questions (``asks.compatible``: an amount, a time, a procedure …), its embedding (the knowledge
base's model, query side) reaches ``threshold`` cosine with one of them, and no other answer comes
as close (two answers within ``MARGIN`` of each other mean the question is ambiguous: the normal
engine answers it). Only answers in the question's language are considered. The threshold for a
model is calibrated on the dev half of ``evals/datasets/verified.jsonl`` (``python -m
evals.calibrate_verified``) and kept in ``knowledge/verified.yaml``.

Before an answer is served, and whenever :meth:`VerifiedMatcher.sweep` runs, each cited
document must still be in the index with the same content (its id is a hash of its text, so a
changed document has a new id), neither expired nor superseded, and the answer must not be past
its own expiry; otherwise it is withdrawn with the reason, and counselors see the withdrawal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml
from langchain_core.embeddings import Embeddings

from bot.chat.models import Answer, Citation
from bot.errors import ConfigError
from bot.resources import data_path
from bot.store.models import VerifiedAnswer
from bot.verified.asks import compatible

log = logging.getLogger(__name__)

THRESHOLDS = data_path("knowledge", "verified.yaml")
MARGIN = 0.01
MARK = {"zh": "（经辅导员审核，{day}）", "en": "(Verified by a counselor, {day})"}


class VerifiedStore(Protocol):
    def active(self) -> list[VerifiedAnswer]: ...

    def withdraw(self, answer_id: int, reason: str, by_user: str = "system") -> Any: ...

    def record_served(self, answer_id: int) -> None: ...


class Documents(Protocol):
    def documents(self) -> list[Any]: ...


def load_threshold(embedding_id: str, path: Path = THRESHOLDS) -> float:
    """The calibrated threshold for ``embedding_id`` (``provider:model``)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        value = (data.get("thresholds") or {}).get(embedding_id, data.get("default"))
        return float(value)  # type: ignore[arg-type]  # a bad value is the error below
    except (OSError, yaml.YAMLError, TypeError, ValueError) as bad:
        raise ConfigError(
            f"{path}: no verified-answer threshold for {embedding_id} ({bad})",
            message_zh=f"{path}：没有模型 {embedding_id} 的审核回答匹配阈值",
        ) from bad


@dataclass(frozen=True)
class MatchResult:
    answer: VerifiedAnswer
    score: float  # cosine of the question and the closest of the answer's questions
    question: str  # that closest question


def _unit(vector: Sequence[float]) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(v))
    return v / norm if norm else v


def stale_reason(answer: VerifiedAnswer, documents: dict[str, Any], today: date) -> str:
    """Why ``answer`` may no longer be served ("" when it may)."""
    if answer.expires_on is not None and answer.expires_on < today:
        return f"expired on {answer.expires_on} / 已于 {answer.expires_on} 到期"
    for cite in answer.citations:
        doc = documents.get(cite.doc_id)
        name = cite.title or cite.doc_id
        if doc is None:
            return (
                f"cited document 《{name}》 changed or was removed / "
                f"引用的文件《{name}》已修改或删除"
            )
        meta = getattr(doc, "meta", None)
        expiry = getattr(meta, "expiry_date", None)
        if expiry is not None and expiry < today:
            return (
                f"cited document 《{name}》 expired on {expiry} / "
                f"引用的文件《{name}》已于 {expiry} 失效"
            )
        if getattr(meta, "superseded_by", None):
            return f"cited document 《{name}》 was superseded / 引用的文件《{name}》已被新文件取代"
    return ""


class VerifiedMatcher:
    """What the coach consults before retrieval."""

    def __init__(
        self,
        store: VerifiedStore,
        embeddings: Callable[[], Embeddings] | Embeddings,
        documents: Documents,
        threshold: float,
        *,
        today: Callable[[], date] = date.today,
        language: Callable[[str], str] | None = None,
    ) -> None:
        self.store = store
        self._embeddings = embeddings
        self.documents = documents
        self.threshold = threshold
        self.today = today
        self.language = language
        self._vectors: dict[str, np.ndarray] = {}

    def _model(self) -> Embeddings:
        model = self._embeddings
        if hasattr(model, "embed_query"):
            return model  # type: ignore[return-value]
        return model()

    def _vector(self, text: str) -> np.ndarray:
        if text not in self._vectors:
            if len(self._vectors) > 5000:
                self._vectors.clear()
            self._vectors[text] = _unit(self._model().embed_query(text))
        return self._vectors[text]

    def best(self, question: str, lang: str) -> MatchResult | None:
        """The closest active answer in ``lang`` above the threshold, or None (also when two
        answers are about equally close)."""
        candidates = [
            a for a in self.store.active() if a.lang == lang and compatible(question, a.questions)
        ]
        if not candidates or not question.strip():
            return None
        q = self._vector(question)
        scored: list[MatchResult] = []
        for answer in candidates:
            sims = [(float(self._vector(text) @ q), text) for text in answer.questions]
            score, text = max(sims)
            scored.append(MatchResult(answer, score, text))
        scored.sort(key=lambda m: m.score, reverse=True)
        top = scored[0]
        if top.score < self.threshold:
            return None
        if len(scored) > 1 and top.score - scored[1].score < MARGIN:
            log.info(
                "verified answers %s and %s are both close: not served",
                top.answer.id,
                scored[1].answer.id,
            )
            return None
        return top

    def sweep(self) -> list[VerifiedAnswer]:
        """Withdraw every active answer that may no longer be served; returns those withdrawn."""
        documents = {d.doc_id: d for d in self.documents.documents()}
        gone = []
        for answer in self.store.active():
            reason = stale_reason(answer, documents, self.today())
            if reason:
                gone.append(self.store.withdraw(answer.id, reason))
                log.info("verified answer %s withdrawn: %s", answer.id, reason)
        return gone

    def match(self, question: str, lang: str) -> Answer | None:
        """The verified answer for ``question`` as the engine's ``Answer``, or None."""
        found = self.best(question, lang)
        if found is None:
            return None
        documents = {d.doc_id: d for d in self.documents.documents()}
        reason = stale_reason(found.answer, documents, self.today())
        if reason:
            self.store.withdraw(found.answer.id, reason)
            log.info("verified answer %s withdrawn: %s", found.answer.id, reason)
            return self.match(question, lang)  # the next closest may still stand
        self.store.record_served(found.answer.id)
        return as_answer(found, lang)


def as_answer(found: MatchResult, lang: str) -> Answer:
    verified = found.answer
    day = verified.approved_at.date().isoformat()
    citations = [
        Citation(
            n=n,
            title=c.title,
            section=c.section,
            page=c.page,
            text=c.text,
            date=c.date,
            doc_id=c.doc_id,
            chunk_id=c.chunk_id,
            score=found.score,
        )
        for n, c in enumerate(verified.citations, start=1)
    ]
    mark = MARK.get(lang, MARK["zh"]).format(day=day)
    return Answer(
        answer=f"{verified.answer}\n\n{mark}",
        citations=citations,
        lang=lang,  # type: ignore[arg-type]
        intent="policy",
        extra={
            "verified": {
                "id": verified.id,
                "approved_at": verified.approved_at.isoformat(),
                "score": round(found.score, 4),
                "matched": found.question,
            }
        },
    )
