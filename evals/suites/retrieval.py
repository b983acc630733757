"""Retrieval suite: does the evidence appear in the top-k hits? hit@1/3/5 and MRR.

Runs against anything with ``search(query, k)`` (our knowledge base or a baseline recipe), so
both are scored by the same code. Unanswerable cases have no evidence and are not scored here.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from bot.knowledge.protocols import Retriever
from evals.cases import Case
from evals.matching import first_relevant_rank
from evals.metrics import hit_at_k, mean_reciprocal_rank
from evals.results import CaseResult, SuiteResult

K = 5


def run_retrieval(
    cases: Sequence[Case], retriever: Retriever, *, dataset: str, system: str = "careercoach"
) -> SuiteResult:
    started = time.perf_counter()
    scored = [c for c in cases if c.answerable and c.evidence]
    ranks: list[int | None] = []
    results: list[CaseResult] = []
    for case in scored:
        hits = retriever.search(case.question, k=K)
        rank = first_relevant_rank([h.text for h in hits], case.evidence)
        ranks.append(rank)
        results.append(
            CaseResult(
                id=case.id,
                question=case.question,
                tags=case.tags,
                passed=rank is not None,
                details={
                    "rank": rank,
                    "evidence": case.evidence[0],
                    "top": [f"{h.title} | {h.text[:60]}" for h in hits[:3]],
                },
            )
        )
    return SuiteResult(
        suite="retrieval",
        dataset=dataset,
        system=system,
        metrics={
            "hit@1": hit_at_k(ranks, 1),
            "hit@3": hit_at_k(ranks, 3),
            "hit@5": hit_at_k(ranks, 5),
            "mrr": mean_reciprocal_rank(ranks),
        },
        counts={"cases": len(scored), "skipped_unanswerable": len(cases) - len(scored)},
        cases=results,
        seconds=time.perf_counter() - started,
    )
