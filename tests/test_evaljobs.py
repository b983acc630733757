"""Evaluation jobs: a worker runs a suite to its end and stores the figures, the gate's verdict
and the failed cases; a cancel request stops it; the runner starts it in its own process."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.errors import ValidationFailed
from bot.evaljobs import EvalJobRunner, run_job
from bot.settings import Settings
from bot.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with Store(settings) as opened:
        yield opened


def test_a_job_runs_the_suite_and_stores_verdict_figures_and_failed_cases(settings, store) -> None:
    job = store.jobs.create("redaction", "datasets", "wang")
    run_job(settings, store, job.id)
    done = store.jobs.get(job.id)
    assert done.status == "done" and done.passed is True and done.total == done.done > 300
    summaries = done.result["results"]
    assert {s["split"] for s in summaries} == {"dev", "test"}
    assert all(s["suite"] == "redaction" and "recall" in " ".join(s["metrics"]) for s in summaries)
    assert done.result["failed_total"] == len(done.result["failed"])
    assert all(f["suite"] == "redaction" for f in done.result["failed"])
    assert done.result["knowledge"] and "gate" in done.message


def test_a_cancel_request_stops_the_worker(settings, store) -> None:
    job = store.jobs.create("redaction", "datasets", "wang")
    store.jobs.request_cancel(job.id)  # queued: cancelled at once
    assert store.jobs.get(job.id).status == "cancelled"
    running = store.jobs.create("redaction", "datasets", "wang")
    original = store.jobs.progress

    def cancel_soon(job_id: int, done: int, total: int, message: str = "") -> bool:
        if done > 50:
            store.jobs.request_cancel(job_id)
        return original(job_id, done, total, message)

    store.jobs.progress = cancel_soon  # type: ignore[method-assign]
    run_job(settings, store, running.id)
    stopped = store.jobs.get(running.id)
    assert stopped.status == "cancelled" and stopped.done < stopped.total


def test_the_runner_starts_a_worker_process_that_outlives_the_request(settings, store) -> None:
    runner = EvalJobRunner(settings, store)
    with pytest.raises(ValidationFailed):
        runner.start("nonsense", "datasets", "wang")
    with pytest.raises(ValidationFailed):
        runner.start("redaction", "elsewhere", "wang")
    job = runner.start("redaction", "datasets", "wang")
    assert job.status == "running" and job.pid
    deadline = time.monotonic() + 300
    while not store.jobs.get(job.id).finished:  # the worker writes its end to the store
        assert time.monotonic() < deadline, (settings.home / "logs").iterdir()
        time.sleep(0.5)
    finished = runner.recent()[0]
    assert finished.id == job.id and finished.status == "done" and finished.passed is True
