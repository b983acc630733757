"""Coaching suite: occupation matching, résumé findings and interview feedback against labels.

Three kinds of case share one dataset (``evals/datasets/coaching.jsonl``): ``match`` (a profile
and an optional interest code; occupations that must and must not be among the suggestions),
``resume`` (a résumé's text and an optional job description; finding kinds that must and must not
be reported) and ``interview`` (a typed answer to a bank question; feedback issues that must and
must not be raised). For each kind, precision counts the labelled "must not" that were produced
against the "must" that were, and recall the share of "must" produced; a case passes when it
produced every "must" and no "must not".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evals.cases import Case
from evals.metrics import eligibility_counts, precision_recall
from evals.results import CaseResult, SuiteResult

KINDS = ("match", "resume", "interview")


def _extra(case: Case, name: str, default: Any = None) -> Any:
    return (case.model_extra or {}).get(name, default)


def coaching_predictors(knowledge: Path) -> dict[str, Callable[[Case], set[str]]]:
    """What the product produces for each kind of case, from the data files under ``knowledge``."""
    from datetime import date

    from bot.coaching import interview as iv
    from bot.coaching.matching import suggest
    from bot.coaching.occupations import load_occupations
    from bot.coaching.resume import resume_from_text, review
    from bot.planning.profile import profile_from_mapping

    occupations = load_occupations(knowledge / "occupations.yaml")
    bank = iv.load_bank(knowledge / "interview.yaml")
    today = date(2026, 12, 1)

    def match(case: Case) -> set[str]:
        profile = profile_from_mapping(case.profile or {}, source=case.id)
        return {s.id for s in suggest(profile, occupations, _extra(case, "code"))}

    def resume(case: Case) -> set[str]:
        findings = review(
            resume_from_text(_extra(case, "resume", "")), _extra(case, "job"), today=today
        )
        return {f.kind for f in findings}

    def interview(case: Case) -> set[str]:
        question = bank.get(_extra(case, "question_id"))
        return set(iv.feedback(question, _extra(case, "answer", ""), case.lang).issues())

    return {"match": match, "resume": resume, "interview": interview}


def _loose(issues: set[str]) -> set[str]:
    """Interview issues with star_<part> also counted as 'star' (labels may name either)."""
    return issues | {"star" for i in issues if i.startswith("star_")}


def run_coaching(
    cases: Sequence[Case],
    predictors: dict[str, Callable[[Case], set[str]]],
    *,
    dataset: str,
    system: str = "careercoach",
) -> SuiteResult:
    started = time.perf_counter()
    counts: dict[str, list[dict[str, int]]] = {kind: [] for kind in KINDS}
    results: list[CaseResult] = []
    for case in cases:
        kind = _extra(case, "kind")
        if kind not in predictors:
            continue
        produced = predictors[kind](case)
        if kind == "interview":
            produced = _loose(produced)
        must, must_not = list(_extra(case, "must", [])), list(_extra(case, "must_not", []))
        counts[kind].append(eligibility_counts(produced, must, must_not))
        missed = sorted(set(must) - produced)
        wrong = sorted(set(must_not) & produced)
        results.append(
            CaseResult(
                id=case.id,
                question=case.question,
                tags=[kind, *case.tags],
                passed=not missed and not wrong,
                details={
                    "kind": kind,
                    "missed": missed,
                    "wrong": wrong,
                    "produced": sorted(produced),
                },
            )
        )
    metrics: dict[str, float | None] = {}
    for kind in KINDS:
        if counts[kind]:
            pr = precision_recall(counts[kind])
            metrics[f"{kind}_precision"] = pr["eligibility_precision"]
            metrics[f"{kind}_recall"] = pr["eligibility_recall"]
            passed = [r.passed for r in results if r.details["kind"] == kind]
            metrics[f"{kind}_pass_rate"] = sum(bool(p) for p in passed) / len(passed)
    return SuiteResult(
        suite="coaching",
        dataset=dataset,
        system=system,
        metrics=metrics,
        counts={"cases": len(results)} | {kind: len(counts[kind]) for kind in KINDS},
        cases=results,
        seconds=time.perf_counter() - started,
    )
