"""Evaluation data stays out of the product and its unit tests.

A question of an eval dataset copied into a unit test, a code comment, a cue list or a data
file would make the figures measure memory. This test fails when any dataset question, message
or paraphrase (of eight characters or more, compared without spaces and end punctuation) occurs
in the code, the prompts, the knowledge files or the tests outside the dataset tests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO / "evals" / "datasets"
# tests that check the datasets themselves may quote them
DATASET_TESTS = {
    "test_evals_datasets.py",
    "test_evals_real_questions.py",
    "test_evals_safety_datasets.py",
    "test_evals_poisoned_dataset.py",
    "test_evals_independence.py",
}
_END = re.compile(r"[\s？?。！!，,.]+")


def _texts() -> dict[str, str]:
    """Normalised dataset text -> where it comes from."""
    found: dict[str, str] = {}
    for path in DATASETS.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            row = json.loads(line)
            texts = [row.get("question"), row.get("message")]
            texts += [t.get("user") for t in row.get("turns") or [] if isinstance(t, dict)]
            for text in texts:
                if isinstance(text, str):
                    key = _END.sub("", text)
                    if len(key) >= 8:
                        found[key] = f"{path.name}:{row.get('id')}"
    return found


def _files() -> list[Path]:
    out = []
    for folder in ("bot", "ui", "prompts", "knowledge", "tests"):
        for path in (REPO / folder).rglob("*"):
            if path.suffix not in {".py", ".md", ".yaml", ".yml", ".txt", ".html"}:
                continue
            if path.name in DATASET_TESTS or ("fixtures" in path.parts and "evals" in path.parts):
                continue
            out.append(path)
    return out


def test_no_eval_question_appears_in_code_prompts_knowledge_or_unit_tests() -> None:
    texts = _texts()
    assert len(texts) > 500  # the datasets were read
    leaks = []
    for path in _files():
        content = _END.sub("", path.read_text(encoding="utf-8", errors="ignore"))
        leaks += [
            f"{path.relative_to(REPO)}: {where}" for key, where in texts.items() if key in content
        ]
    assert not leaks, "eval questions copied outside the datasets:\n" + "\n".join(sorted(leaks))
