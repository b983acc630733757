"""Evaluation as a background job: a worker process per run, its progress and result stored.

:class:`EvalJobRunner` (one per web app) starts ``python -m bot.evaljobs JOB_ID`` in its own
process session, so the run goes on when the maintainer closes the tab (and does not take the
web server's memory); the worker writes progress, the result, the gate's verdict and the failed
cases to the store (``store.jobs``), where the console reads them later. Cancelling sets a flag
the worker reads at every case; a worker that died reads as failed.

The worker runs the shipped datasets of a suite (``evals.runner.select``) either against each
dataset's own knowledge base ("datasets", what the gate's thresholds are set for) or against the
live one the graduates are served ("live": the index under ``CAREERCOACH_HOME``, read only).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.errors import CareerCoachError, ValidationFailed
from bot.settings import Settings
from bot.store.models import EvalJob

log = logging.getLogger(__name__)

SUITES = ("retrieval", "answers", "safety", "plans", "distress", "redaction", "all")
KB_CHOICES = ("datasets", "live")
_WRITE_EVERY_S = 0.5


class Cancelled(Exception):
    """The maintainer asked the job to stop."""


class EvalJobRunner:
    """Starts and cancels worker processes; keeps their handles so finished ones are reaped."""

    def __init__(self, settings: Settings, store: Any) -> None:
        self.settings = settings
        self.store = store
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    def start(self, suite: str, kb: str, by_user: str) -> EvalJob:
        if suite not in SUITES:
            raise ValidationFailed(
                f"suite: {suite!r} is not one of {', '.join(SUITES)}",
                message_zh=f"评测集 suite：{suite!r} 不在可选范围内",
            )
        if kb not in KB_CHOICES:
            raise ValidationFailed(
                f"kb: {kb!r} is not 'datasets' or 'live'",
                message_zh="知识库 kb 应为 datasets 或 live",
            )
        job = self.store.jobs.create(suite, kb, by_user)
        logs = self.settings.home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "CAREERCOACH_HOME": str(self.settings.home)}
        if self.settings.database_url:
            env["CAREERCOACH_DATABASE_URL"] = self.settings.database_url
        with (logs / f"eval-job-{job.id}.log").open("wb") as out:
            child = subprocess.Popen(
                [sys.executable, "-m", "bot.evaljobs", str(job.id)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # not stopped with the web server's process group
                cwd=Path(__file__).resolve().parents[1],
            )
        self._children[job.id] = child
        self.store.jobs.started(job.id, child.pid)
        log.info(
            "evaluation job %s (%s, %s) started by %s as pid %s",
            job.id,
            suite,
            kb,
            by_user,
            child.pid,
        )
        return self.store.jobs.get(job.id)

    def cancel(self, job_id: int) -> EvalJob:
        return self.store.jobs.request_cancel(job_id)

    def reap(self) -> None:
        for job_id, child in list(self._children.items()):
            if child.poll() is not None:
                del self._children[job_id]

    def recent(self, limit: int = 20) -> list[EvalJob]:
        self.reap()
        jobs: list[EvalJob] = self.store.jobs.recent(limit)
        return jobs

    def close(self) -> None:
        """Stop waiting for children (they run on; the store says how they end)."""
        self._children.clear()


# --- the worker --------------------------------------------------------------------------------
class _Progress:
    def __init__(self, store: Any, job_id: int, total: int) -> None:
        self.store, self.job_id, self.total = store, job_id, total
        self.done = 0
        self.unit_limit = 0
        self._written = 0.0
        self.message = ""

    def tick(self, n: int = 1, force: bool = False) -> None:
        self.done = min(self.done + n, self.unit_limit or self.total)
        now = time.monotonic()
        if force or now - self._written >= _WRITE_EVERY_S:
            self._written = now
            if self.store.jobs.progress(self.job_id, self.done, self.total, self.message):
                raise Cancelled()


def _counting(fn: Callable[..., Any], progress: _Progress) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        progress.tick()
        return fn(*args, **kwargs)

    return counted


def _workspace(settings: Settings, kb: str, progress: _Progress) -> Any:
    from evals.workspace import Workspace

    class CountingWorkspace(Workspace):
        def answer_fn(self, path: Path) -> Any:
            return _counting(super().answer_fn(path), progress)

        def distress_fn(self, bank: Path) -> Any:
            return _counting(super().distress_fn(bank), progress)

        def eligibility_fn(self, catalogue_path: Path) -> Any:
            return _counting(super().eligibility_fn(catalogue_path), progress)

    class LiveWorkspace(CountingWorkspace):
        """Every question goes to the live knowledge base (the served index, read only)."""

        def settings_for(self, path: Path) -> Settings:
            return self.settings

        def knowledge_base(self, path: Path) -> Any:
            from bot.knowledge.base import KnowledgeBase

            if not self._kbs:
                self._kbs[path] = KnowledgeBase(self.settings)
            return next(iter(self._kbs.values()))

    return (LiveWorkspace if kb == "live" else CountingWorkspace)(settings)


def run_job(settings: Settings, store: Any, job_id: int) -> None:
    """Run one stored job to its end, writing progress and the result."""
    from evals.gate import check, load_thresholds
    from evals.runner import Run, _load, by_split, run_all, select
    from evals.shipped import THRESHOLDS

    job = store.jobs.get(job_id)
    store.jobs.started(job_id, os.getpid())
    runs = select(job.suite)
    if job.kb == "live":
        runs = [Run(r.spec, r.suites, False) for r in runs]
    units = []
    for run in runs:
        for split, cases in by_split(_load(run.spec.path, run.suites), run.spec.path):
            units += [(run, split, suite, len(cases)) for suite in run.suites]
    progress = _Progress(store, job_id, sum(n for *_, n in units))
    results = []
    try:
        with _workspace(settings, job.kb, progress) as workspace:
            for run, split, suite, count in units:
                progress.message = f"{run.spec.name} / {suite} / {split or 'all'}"
                progress.unit_limit = progress.done + count
                progress.tick(0, force=True)
                one = Run(run.spec, (suite,), run.baseline)
                results += run_all([one], workspace, None, (split,) if split else ("dev", "test"))
                progress.done = progress.unit_limit
                progress.tick(0, force=True)
    except Cancelled:
        store.jobs.finish(job_id, "cancelled", "cancelled by the maintainer / 已取消")
        return
    except CareerCoachError as error:
        store.jobs.finish(job_id, "failed", f"{error.message} / {error.message_zh}")
        return
    shortfalls = check(results, load_thresholds(THRESHOLDS))
    failed = [
        {
            "dataset": r.dataset,
            "suite": r.suite,
            "split": r.split,
            "id": c.id,
            "question": c.question,
        }
        for r in results
        if r.system == "careercoach"
        for c in r.cases
        if c.passed is False
    ]
    result = {
        "results": [r.summary() for r in results],
        "shortfalls": [str(s) for s in shortfalls],
        "failed": failed[:500],
        "failed_total": len(failed),
        "knowledge": sorted({r.kb for r in results}) if job.kb == "datasets" else ["live"],
    }
    verdict = (
        "passed the gate / 达到门槛"
        if not shortfalls
        else (f"{len(shortfalls)} figure(s) below the gate / {len(shortfalls)} 项低于门槛")
    )
    store.jobs.finish(job_id, "done", verdict, passed=not shortfalls, result=result)


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.evaljobs JOB_ID``: the worker process."""
    from bot.settings import load_settings
    from bot.store import Store

    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings()
    with Store(settings) as store:
        job_id = int(args[0])
        try:
            run_job(settings, store, job_id)
        except Exception as error:  # the job must say it failed rather than look stuck
            log.exception("evaluation job %s failed", job_id)
            store.jobs.finish(job_id, "failed", f"{type(error).__name__}: {error}")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
