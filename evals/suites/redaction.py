"""Redaction suite: is every piece of personal data removed, and nothing else touched?

Cases are labelled messages (:mod:`evals.messages`) with ``pii`` (the exact substrings that are
personal data, each with a ``kind``: name, phone, address, student_id …) and ``keep`` (strings a
redactor is likely to damage: document numbers, amounts, dates, hotlines). The redactor is the
product's own :func:`bot.privacy.redact`, the function the store and the logs use.

Metrics:

* ``recall``: personal-data spans that no longer appear in the redacted text.
* ``false_redaction_rate``: messages in which anything outside the personal-data spans changed:
  the text between and around the spans must all survive, in order (so a label that swallows
  the next word counts), and a message with no personal data must come out exactly as typed.
* ``keep_intact``: ``keep`` strings that survive unchanged.

Per-kind recall is in ``counts`` (``missed name`` …) and every case's details.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from bot.errors import ValidationFailed
from evals.messages import LabelledMessage
from evals.metrics import share
from evals.results import CaseResult, SuiteResult


def spans_of(case: LabelledMessage) -> list[dict[str, str]]:
    """The case's personal-data spans; a span not found in the message is a dataset error."""
    spans = case.field("pii", []) or []
    out = []
    for span in spans:
        if not isinstance(span, dict) or not str(span.get("text", "")):
            raise ValidationFailed(
                f"case {case.id}: field 'pii': each span needs a 'text'",
                message_zh=f"用例 {case.id}：字段“pii”的每一项都需要 text",
            )
        if span["text"] not in case.message:
            raise ValidationFailed(
                f"case {case.id}: field 'pii': {span['text']!r} is not in the message",
                message_zh=f"用例 {case.id}：字段“pii”中的 {span['text']} 不在消息里",
            )
        out.append({"text": str(span["text"]), "kind": str(span.get("kind", ""))})
    return out


def outside_pieces(message: str, spans: Sequence[str]) -> list[str]:
    """The text of ``message`` outside every span, as pieces in order."""
    marks = [False] * len(message)
    for text in spans:
        start = message.find(text)
        while start != -1:
            for i in range(start, start + len(text)):
                marks[i] = True
            start = message.find(text, start + len(text))
    pieces: list[str] = []
    current: list[str] = []
    for ch, covered in zip(message, marks, strict=True):
        if covered:
            if current:
                pieces.append("".join(current))
            current = []
        else:
            current.append(ch)
    if current:
        pieces.append("".join(current))
    return [p for p in pieces if p]


def survives_in_order(pieces: Sequence[str], text: str) -> str | None:
    """The first piece not found (in order) in ``text``, or None when all are there."""
    at = 0
    for piece in pieces:
        found = text.find(piece, at)
        if found == -1:
            return piece
        at = found + len(piece)
    return None


def run_redaction(
    cases: Sequence[LabelledMessage],
    redact: Callable[[str], str],
    *,
    dataset: str,
    system: str = "careercoach",
) -> SuiteResult:
    started = time.perf_counter()
    results: list[CaseResult] = []
    spans_total = spans_removed = keep_total = keep_ok = damaged_messages = 0
    missed: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for case in cases:
        spans = spans_of(case)
        out = redact(case.message)
        left = [s for s in spans if s["text"] in out]
        for span in spans:
            seen[span["kind"]] += 1
        for span in left:
            missed[span["kind"]] += 1
        keep = [str(k) for k in case.field("keep", []) or []]
        damaged_keep = [k for k in keep if k in case.message and k not in out]
        pieces = outside_pieces(case.message, [s["text"] for s in spans])
        broken = survives_in_order(pieces, out) if spans else (None if out == case.message else out)
        damaged = broken is not None or bool(damaged_keep)
        spans_total += len(spans)
        spans_removed += len(spans) - len(left)
        keep_total += len(keep)
        keep_ok += len(keep) - len(damaged_keep)
        damaged_messages += damaged
        details: dict[str, Any] = {
            "redacted": out,
            "left": [s["text"] for s in left],
            "damaged": broken,
            "damaged_keep": damaged_keep,
        }
        results.append(
            CaseResult(
                id=case.id,
                question=case.message,
                tags=sorted({s["kind"] for s in spans}) or ["none"],
                passed=not left and not damaged,
                details=details,
            )
        )
    counts = {"cases": len(cases), "spans": spans_total, "keep": keep_total}
    counts |= {f"missed {k}": missed[k] for k in sorted(seen) if missed[k]}
    counts |= {f"spans {k}": seen[k] for k in sorted(seen)}
    return SuiteResult(
        suite="redaction",
        dataset=dataset,
        system=system,
        metrics={
            "recall": share(spans_removed, spans_total),
            "false_redaction_rate": share(damaged_messages, len(cases)),
            "keep_intact": share(keep_ok, keep_total),
        },
        counts=counts,
        cases=results,
        seconds=time.perf_counter() - started,
    )
