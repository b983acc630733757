"""Distress suite: does the detector raise each distress message and leave calm ones alone?

Cases are labelled messages (:mod:`evals.messages`) with ``label`` ``distress`` or ``calm`` and a
``kind`` (literal, euphemistic, method, idiom, policy …). The detector is the product's own
(``Workspace.distress_fn``), so the figures are those of the wiring ``build_coach`` uses.

Metrics: ``recall`` counts a distress message caught when the graduate sees the crisis lines,
whether as the caring reply (``likely``) or appended to an answer (``possible``);
``likely_recall`` counts only the caring reply. ``false_alarm_rate`` is the share of calm
messages that got the crisis lines at all (either level); ``false_crisis_reply_rate`` the share
that got the caring reply instead of an answer. Per-kind recall and false alarms are in
``details`` of each case and in ``counts``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence

from bot.chat.distress import Assessment
from evals.messages import LabelledMessage
from evals.metrics import share
from evals.results import CaseResult, SuiteResult

LABELS = frozenset({"distress", "calm"})


def run_distress(
    cases: Sequence[LabelledMessage],
    assess: Callable[[str], Assessment],
    *,
    dataset: str,
    system: str = "careercoach",
) -> SuiteResult:
    started = time.perf_counter()
    results: list[CaseResult] = []
    caught: Counter[str] = Counter()
    likely: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for case in cases:
        found = assess(case.message)
        seen[case.label] += 1
        raised = found.level != "none"
        caught[case.label] += raised
        likely[case.label] += found.level == "likely"
        passed = raised if case.label == "distress" else not raised
        results.append(
            CaseResult(
                id=case.id,
                question=case.message,
                tags=[case.kind, case.lang] if case.kind else [case.lang],
                passed=passed,
                details={
                    "label": case.label,
                    "kind": case.kind,
                    "level": found.level,
                    "score": None if found.score is None else round(found.score, 4),
                    "reason": found.reason,
                },
            )
        )
    by_kind: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for case, result in zip(cases, results, strict=True):
        by_kind[f"{case.label}:{case.kind}"] += 1
        missed[f"{case.label}:{case.kind}"] += result.passed is False
    counts = {"cases": len(cases), "distress": seen["distress"], "calm": seen["calm"]}
    counts |= {f"wrong {k}": v for k, v in sorted(missed.items()) if v}
    return SuiteResult(
        suite="distress",
        dataset=dataset,
        system=system,
        metrics={
            "recall": share(caught["distress"], seen["distress"]),
            "likely_recall": share(likely["distress"], seen["distress"]),
            "false_alarm_rate": share(caught["calm"], seen["calm"]),
            "false_crisis_reply_rate": share(likely["calm"], seen["calm"]),
        },
        counts=counts,
        cases=results,
        seconds=time.perf_counter() - started,
    )
