"""What a suite run produces: per-case results and the metrics over them.

Plain data, so the CLI can print it as JSON, the report can render it and the gate can compare
it with thresholds. Scoring lives in :mod:`evals.metrics`, running in :mod:`evals.suites`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, Field

from evals.metrics import share


class CaseResult(BaseModel):
    """How one case went."""

    id: str
    question: str = ""
    tags: list[str] = Field(default_factory=list)
    passed: bool | None = None  # None: the case was not judged by this suite
    details: dict[str, Any] = Field(default_factory=dict)


class SuiteResult(BaseModel):
    """One suite over one dataset for one system (ours or a baseline recipe)."""

    suite: str  # retrieval, answers, safety, plans
    dataset: str  # dataset name (file stem)
    system: str = "careercoach"  # or the name of a baseline recipe
    kb: str = ""  # knowledge folder or catalogue the cases ran against
    # "dev" or "test" for datasets split once by id ("" when the dataset has no split): tune on
    # dev, report and gate on test
    split: str = ""
    metrics: dict[str, float | None] = Field(default_factory=dict)
    counts: dict[str, int] = Field(default_factory=dict)
    cases: list[CaseResult] = Field(default_factory=list)
    seconds: float = 0.0

    @property
    def key(self) -> str:
        tail = f"/{self.split}" if self.split else ""
        return f"{self.dataset}/{self.suite}/{self.system}{tail}"

    @property
    def column(self) -> str:
        """The system and split as a report column heading ("careercoach · test")."""
        return f"{self.system} · {self.split}" if self.split else self.system

    def summary(self) -> dict[str, Any]:
        """The metrics without per-case detail (what ``--json`` prints by default)."""
        return {
            "suite": self.suite,
            "dataset": self.dataset,
            "system": self.system,
            "kb": self.kb,
            "split": self.split,
            "metrics": self.metrics,
            "counts": self.counts,
            "passed": sum(1 for c in self.cases if c.passed),
            "failed": [c.id for c in self.cases if c.passed is False],
            "seconds": round(self.seconds, 2),
        }


class Tally:
    """A suite's running count: each named check's outcomes over the cases, and the cases'
    results. Suites that judge a case by a few yes/no checks fill one while they loop and end
    with :meth:`result`, so the metric arithmetic and the pass rate are written once."""

    def __init__(self, suite: str, checks: Iterable[str] = ()) -> None:
        self.suite = suite
        self.checks: dict[str, list[bool]] = {name: [] for name in checks}
        self.cases: list[CaseResult] = []
        self.started = time.perf_counter()

    def count(self, check: str, ok: bool) -> bool:
        """Record one outcome of ``check``; returns ``ok``."""
        self.checks.setdefault(check, []).append(ok)
        return ok

    def judge(
        self,
        case_id: str,
        question: str,
        tags: list[str],
        outcome: Mapping[str, bool],
        **details: Any,
    ) -> CaseResult:
        """Add a case, passed when every check of ``outcome`` holds (unjudged when it has none);
        ``details`` get the failed checks' names as ``failed_checks``."""
        failed = [k for k, ok in outcome.items() if not ok]
        result = CaseResult(
            id=case_id,
            question=question,
            tags=tags,
            passed=not failed if outcome else None,
            details={"failed_checks": failed, **details},
        )
        self.cases.append(result)
        return result

    def rate(self, check: str) -> float | None:
        outcomes = self.checks.get(check, [])
        return share(sum(outcomes), len(outcomes))

    def result(
        self, *, dataset: str, system: str, metrics: Mapping[str, str], counts: Mapping[str, int]
    ) -> SuiteResult:
        """The suite's result: ``metrics`` maps a metric's name to the check it is the rate of;
        ``pass_rate`` (judged cases that passed) is added."""
        judged = [c.passed for c in self.cases if c.passed is not None]
        return SuiteResult(
            suite=self.suite,
            dataset=dataset,
            system=system,
            metrics={name: self.rate(check) for name, check in metrics.items()}
            | {"pass_rate": share(sum(1 for p in judged if p), len(judged))},
            counts=dict(counts),
            cases=self.cases,
            seconds=time.perf_counter() - self.started,
        )
