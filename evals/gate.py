"""Compare suite results with ``evals/thresholds.yaml``; list what falls short.

The file maps dataset -> suite -> metric -> ``{min: x}`` or ``{max: x}`` (a bare number means
``min``). Only our own system is gated; baselines are reported, not judged. A metric that is
``n/a`` (nothing to measure) while a threshold names it counts as a failure, so a broken suite
cannot pass by measuring nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.errors import ValidationFailed
from evals.results import SuiteResult


@dataclass(frozen=True)
class Shortfall:
    dataset: str
    suite: str
    metric: str
    value: float | None
    bound: str  # ">= 0.8" or "<= 0.1"

    def __str__(self) -> str:
        shown = "n/a" if self.value is None else f"{self.value:.3f}"
        return f"{self.dataset}/{self.suite}/{self.metric} = {shown}, wanted {self.bound}"


def load_thresholds(path: Path) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as bad:
        raise ValidationFailed(
            f"{path}: cannot read thresholds ({bad})", message_zh=f"{path}：无法读取阈值文件"
        ) from bad
    out: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for dataset, suites in raw.items():
        for suite, metrics in (suites or {}).items():
            for metric, bound in (metrics or {}).items():
                bounds = {"min": bound} if isinstance(bound, int | float) else dict(bound)
                if not bounds or set(bounds) - {"min", "max"}:
                    raise ValidationFailed(
                        f"{path}: {dataset}.{suite}.{metric}: write a number or {{min: x}}",
                        message_zh=f"{path}：{dataset}.{suite}.{metric} 应为数字或 min/max",
                    )
                out.setdefault(dataset, {}).setdefault(suite, {})[metric] = {
                    k: float(v) for k, v in bounds.items()
                }
    return out


def check(results: Sequence[SuiteResult], thresholds: dict) -> list[Shortfall]:
    """Every threshold that our system's results fall short of (datasets not run are skipped).

    A dataset split into dev and test is gated on its test half only: dev is what the product
    was tuned on, so its figures say little about new questions."""
    short: list[Shortfall] = []
    for r in results:
        if r.system != "careercoach" or r.split == "dev":
            continue
        for metric, bounds in thresholds.get(r.dataset, {}).get(r.suite, {}).items():
            value = r.metrics.get(metric)
            if "min" in bounds and (value is None or value < bounds["min"]):
                short.append(Shortfall(r.dataset, r.suite, metric, value, f">= {bounds['min']}"))
            if "max" in bounds and (value is None or value > bounds["max"]):
                short.append(Shortfall(r.dataset, r.suite, metric, value, f"<= {bounds['max']}"))
    return short
