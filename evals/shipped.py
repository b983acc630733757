"""The datasets this repository ships, and the knowledge each one runs against.

``reference_corpus`` needs ``../shared/corpus`` (present for developers and CI, absent in a fresh
clone); the others stand on files in the repository. A dataset written elsewhere needs no entry
here: ``careercoach eval --dataset FILE --kb PATH`` runs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.resources import data_path, package_path

REPO = Path(__file__).resolve().parent.parent  # the checkout (or site-packages when installed)
DATASETS = package_path("evals", "datasets")
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
THRESHOLDS = package_path("evals", "thresholds.yaml")
PROMPTS = data_path("prompts")
STARTER_DOCS = data_path("knowledge", "docs")
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
    # only the cases whose field has this value (one file holding cases for two knowledge bases)
    only: tuple[str, str] | None = None

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
            STARTER_DOCS,
            ("retrieval", "answers"),
            baseline=True,
        ),
        DatasetSpec(
            "real_questions",
            DATASETS / "real_questions.jsonl",
            REPO / "knowledge" / "docs",
            ("retrieval", "answers"),
        ),
        DatasetSpec(
            "starter_kb_paraphrases",
            DATASETS / "paraphrases.jsonl",
            REPO / "knowledge" / "docs",
            ("answers",),
            only=("dataset", "starter_kb"),
        ),
        DatasetSpec(
            "reference_corpus_paraphrases",
            DATASETS / "paraphrases.jsonl",
            SHARED_CORPUS / "pdf",
            ("answers",),
            only=("dataset", "reference_corpus"),
        ),
        DatasetSpec(
            "followups", DATASETS / "followups.jsonl", REPO / "knowledge" / "docs", ("followups",)
        ),
        DatasetSpec("safety", DATASETS / "safety.jsonl", DATASETS / "safety_kb", ("safety",)),
        DatasetSpec(
            "poisoned", DATASETS / "poisoned.jsonl", DATASETS / "poisoned_kb", ("poisoned",)
        ),
        DatasetSpec(
            "plans", DATASETS / "plans.jsonl", data_path("knowledge", "resources.yaml"), ("plans",)
        ),
        # the detector's "knowledge" is its phrasing bank
        DatasetSpec(
            "distress",
            DATASETS / "distress.jsonl",
            data_path("knowledge", "crisis_bank.yaml"),
            ("distress",),
        ),
        # the redactor has no knowledge: its "kb" is the code it runs (bot/privacy/)
        DatasetSpec(
            "redaction",
            DATASETS / "redaction.jsonl",
            package_path("bot.privacy"),
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


def framing_patterns(directory: Path = PROMPTS) -> list[re.Pattern[str]]:
    """One pattern per sentence of every user-facing prompt file (the lead-in, the channels,
    part headings, notes…), its variables matching anything, and the crisis lines: the
    product's fixed wording around the quotes, which the answers suite does not judge as claims
    (whether crisis lines belong there at all is the distress suite's business)."""
    from evals.metrics import sentences

    patterns: list[re.Pattern[str]] = []
    for path in sorted(directory.glob("*.md")):
        if path.stem.split(".")[0] in SECRET_PROMPTS:
            continue
        text = _VARIABLE.sub("\x00", path.read_text(encoding="utf-8"))
        for sentence in sentences(text):
            literal = sentence.replace("\x00", "")
            if len(literal.strip(" *-:：")) < 2:
                continue
            body = ".*".join(re.escape(piece) for piece in sentence.split("\x00"))
            patterns.append(re.compile(body, re.DOTALL))
    # the crisis lines the prompts' resources variable is filled with
    from bot.chat.crisis import load_crisis

    crisis = load_crisis()
    for lang in ("zh", "en"):
        for sentence in sentences(crisis.lines(lang)):
            patterns.append(re.compile(re.escape(sentence)))
    return patterns


_VARIABLE = re.compile(r"\{\{\s*\w+\s*\}\}")
