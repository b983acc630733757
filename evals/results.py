"""What a suite run produces: per-case results and the metrics over them.

Plain data, so the CLI can print it as JSON, the report can render it and the gate can compare
it with thresholds. Scoring lives in :mod:`evals.metrics`, running in :mod:`evals.suites`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


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
