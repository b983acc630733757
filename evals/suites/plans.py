"""Plans suite: eligibility precision and recall against hand-labelled profiles.

``eligible_ids(case)`` returns the catalogue ids the system judges the case's profile eligible
for; only ids the case labels (``expected_eligible`` / ``expected_not_eligible``) are scored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from evals.cases import Case
from evals.metrics import eligibility_counts, precision_recall
from evals.results import CaseResult, SuiteResult


def run_plans(
    cases: Sequence[Case],
    eligible_ids: Callable[[Case], set[str]],
    *,
    dataset: str,
    system: str = "careercoach",
) -> SuiteResult:
    started = time.perf_counter()
    counts: list[dict[str, int]] = []
    results: list[CaseResult] = []
    for case in cases:
        predicted = eligible_ids(case)
        c = eligibility_counts(predicted, case.expected_eligible, case.expected_not_eligible)
        counts.append(c)
        missed = sorted(set(case.expected_eligible) - predicted)
        wrong = sorted(set(case.expected_not_eligible) & predicted)
        results.append(
            CaseResult(
                id=case.id,
                question=case.question,
                tags=case.tags,
                passed=not missed and not wrong,
                details={
                    "missed": missed,
                    "wrongly_eligible": wrong,
                    # why the labels are what they are, when the dataset says (shown in reports)
                    **({"note": str(note)} if (note := _note(case)) else {}),
                    "eligible": sorted(predicted),
                },
            )
        )
    return SuiteResult(
        suite="plans",
        dataset=dataset,
        system=system,
        metrics=precision_recall(counts),
        counts={"cases": len(cases)},
        cases=results,
        seconds=time.perf_counter() - started,
    )


def _note(case: Case) -> object:
    return (case.model_extra or {}).get("note")
