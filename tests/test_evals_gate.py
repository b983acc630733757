"""CI gate: the shipped datasets, run offline through the real product, meet evals/thresholds.yaml.

One workspace (one throw-away index per knowledge folder) is shared by the gate's tests and the
other slow tests of the session (``eval_workspace`` in tests/conftest.py). The
reference-corpus gate runs only where ../shared/corpus exists.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.gate import check, load_thresholds
from evals.runner import run_all, select
from evals.shipped import DATASETS, THRESHOLDS
from evals.workspace import Workspace

pytestmark = pytest.mark.slow


@pytest.fixture
def workspace(eval_workspace: Workspace) -> Workspace:
    return eval_workspace  # one per session (tests/conftest.py), shared with other slow tests


def _gate(
    dataset: str,
    workspace: Workspace,
    baseline: bool = False,
    splits: tuple[str, ...] = ("dev", "test"),
) -> None:
    thresholds = load_thresholds(THRESHOLDS)
    assert dataset in thresholds, f"evals/thresholds.yaml has no entry for {dataset}"
    runs = select("all", DATASETS / f"{dataset}.jsonl", baseline=baseline)
    results = run_all(runs, workspace, splits=splits)
    for r in results:  # the figures, for whoever reads the CI log
        print(r.key, {k: None if v is None else round(v, 3) for k, v in r.metrics.items()})
    assert {r.suite for r in results} == set(thresholds[dataset])
    shortfalls = check(results, thresholds)
    assert not shortfalls, "below thresholds:\n" + "\n".join(str(s) for s in shortfalls)


def test_starter_kb_meets_thresholds(workspace: Workspace) -> None:
    _gate("starter_kb", workspace)


def test_real_questions_meet_thresholds_on_test(workspace: Workspace) -> None:
    _gate("real_questions", workspace, splits=("test",))


def test_followups_meet_thresholds_on_test(workspace: Workspace) -> None:
    _gate("followups", workspace, splits=("test",))


def test_safety_meets_thresholds(workspace: Workspace) -> None:
    _gate("safety", workspace)


def test_poisoned_documents_meet_thresholds(workspace: Workspace) -> None:
    _gate("poisoned", workspace)


def test_plans_meet_thresholds(workspace: Workspace) -> None:
    _gate("plans", workspace)


def test_reference_corpus_meets_thresholds(workspace: Workspace, shared_corpus: Path) -> None:
    _gate("reference_corpus", workspace, baseline=True)


def test_distress_meets_thresholds_on_test(workspace: Workspace) -> None:
    _gate("distress", workspace, splits=("test",))


def test_redaction_meets_thresholds_on_test(workspace: Workspace) -> None:
    _gate("redaction", workspace, splits=("test",))
