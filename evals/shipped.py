"""The datasets this repository ships, and the knowledge each one runs against.

``reference_corpus`` needs ``../shared/corpus`` (present for developers and CI, absent in a fresh
clone); the others stand on files in the repository. A dataset written elsewhere needs no entry
here: ``careercoach eval --dataset FILE --kb PATH`` runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATASETS = REPO / "evals" / "datasets"
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
THRESHOLDS = REPO / "evals" / "thresholds.yaml"
PROMPTS = REPO / "prompts"
# prompt files that instruct the model and must never reach a user (others are user-facing text)
SECRET_PROMPTS = ("system", "answer", "condense")


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset file, the folder (or catalogue file) it runs against, and its suites."""

    name: str
    path: Path
    kb: Path
    suites: tuple[str, ...]
    baseline: bool = False  # run the baseline recipes beside the retrieval suite

    @property
    def available(self) -> bool:
        return self.path.is_file() and self.kb.exists()


def shipped_datasets() -> list[DatasetSpec]:
    return [
        DatasetSpec(
            "reference_corpus",
            DATASETS / "reference_corpus.jsonl",
            SHARED_CORPUS / "pdf",
            ("retrieval", "answers"),
            baseline=True,
        ),
        DatasetSpec(
            "starter_kb",
            DATASETS / "starter_kb.jsonl",
            REPO / "knowledge" / "docs",
            ("retrieval", "answers"),
            baseline=True,
        ),
        DatasetSpec("safety", DATASETS / "safety.jsonl", DATASETS / "safety_kb", ("safety",)),
        DatasetSpec(
            "poisoned", DATASETS / "poisoned.jsonl", DATASETS / "poisoned_kb", ("poisoned",)
        ),
        DatasetSpec(
            "plans", DATASETS / "plans.jsonl", REPO / "knowledge" / "resources.yaml", ("plans",)
        ),
        # the detector's "knowledge" is its phrasing bank
        DatasetSpec(
            "distress",
            DATASETS / "distress.jsonl",
            REPO / "knowledge" / "crisis_bank.yaml",
            ("distress",),
        ),
        # the redactor has no knowledge: its "kb" is the code it runs (bot/privacy/)
        DatasetSpec(
            "redaction",
            DATASETS / "redaction.jsonl",
            REPO / "bot" / "privacy",
            ("redaction",),
        ),
    ]


def secret_prompt_texts(directory: Path = PROMPTS) -> list[str]:
    """The text of the prompts that must not leak, in every language present."""
    return [
        p.read_text(encoding="utf-8")
        for name in SECRET_PROMPTS
        for p in sorted(directory.glob(f"{name}.*.md"))
    ]


def fixed_numbers(directory: Path = PROMPTS) -> frozenset[str]:
    """Long numbers (5+ digits: hotlines, platform names like 24365) in user-facing prompt files.

    Shorter numbers are left out so an amount such as 300 is never excused."""
    from evals.metrics import numbers_in

    found: set[str] = set()
    for path in directory.glob("*.md"):
        if path.stem.split(".")[0] not in SECRET_PROMPTS:
            found.update(n for n in numbers_in(path.read_text(encoding="utf-8")) if len(n) >= 5)
    return frozenset(found)
