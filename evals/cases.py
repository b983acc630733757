"""Eval cases: the JSONL line format, read and checked.

One case a line. Fields the suites read are declared on :class:`Case`; fields that describe a
case for people (where it came from, what it paraphrases) are listed in ``NOTE_FIELDS`` and kept
as they are. Any other key is refused with its line number, so a misspelled field
(``"evidance"``) stops the run instead of silently emptying it. Validation errors name the
file, the line and the field. What a suite does with a case lives in :mod:`evals.suites`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)

# Keys a shipped dataset carries for its readers or for the suites that read them as extras:
# the document a case is about, notes, the source page, what a paraphrase rewrites, ...
NOTE_FIELDS = frozenset(
    {
        "doc", "note", "qualitative", "paraphrase_of", "dataset", "kind", "source_url",
        "key_facts", "lead_facts", "turns",
        # the coaching suite's (evals/suites/coaching.py)
        "must", "must_not", "code", "question_id", "answer", "resume", "job",
    }
)  # fmt: skip


class Case(BaseModel):
    """One question (or profile) with what a good system should do with it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(min_length=1)
    question: str = ""
    evidence: list[str] = Field(default_factory=list)  # exact passages that answer it
    answerable: bool = True
    lang: Literal["zh", "en"] = "zh"
    tags: list[str] = Field(default_factory=list)
    # the case's half of the dataset, assigned once by id and frozen: thresholds, cue lists and
    # weights are tuned on "dev"; figures are reported and gated on "test"
    split: Literal["dev", "test"] | None = None
    # real-question cases: every fact a complete answer holds (exact substrings of the knowledge
    # base), the ones the first sentence should hold, and where the question was asked
    key_facts: list[str] = Field(default_factory=list)
    lead_facts: list[str] = Field(default_factory=list)
    source_url: str = ""
    # conversations: [{"user": "...", "doc": "file the answer must cite", "key_facts": [...]}]
    turns: list[dict[str, Any]] = Field(default_factory=list)
    # safety cases: {"intent": ..., "flagged": ..., "must_not_contain": [...], ...}
    expect: dict[str, Any] = Field(default_factory=dict)
    # plan cases
    profile: dict[str, Any] | None = None
    expected_eligible: list[str] = Field(default_factory=list)
    expected_not_eligible: list[str] = Field(default_factory=list)
    today: date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        if not self.answerable and self.evidence:
            raise ValueError("an unanswerable case must have no evidence")
        if any(not e.strip() for e in self.evidence):
            raise ValueError("evidence strings must not be empty")
        if self.profile is None and not self.question.strip() and not self.turns:
            raise ValueError("a case needs a question (or a profile, or conversation turns)")
        if not self.answerable and self.key_facts:
            raise ValueError("an unanswerable case must have no key_facts")
        if set(self.lead_facts) - set(self.key_facts):
            raise ValueError("lead_facts must be among key_facts")
        return self


def load_cases(path: Path) -> list[Case]:
    """Read a JSONL dataset; blank lines and lines starting with ``#`` are skipped."""
    return read_jsonl(path, Case, known=frozenset(Case.model_fields) | NOTE_FIELDS)


def read_jsonl(
    path: Path,
    model: type[M],
    *,
    known: frozenset[str] | None = None,
    check: Callable[[M, str], None] | None = None,
) -> list[M]:
    """The validated lines of a JSONL dataset, as ``model``: the one reader of every suite's
    case files. Blank lines and ``#`` lines are skipped. A key outside ``known`` (when given),
    invalid JSON, a field the model refuses, a repeated ``id`` or an empty file stops the run
    with an error naming the file, the line and the field; ``check(item, where)`` may refuse
    more."""
    if not path.is_file():
        raise ValidationFailed(
            f"{path}: dataset file not found", message_zh=f"{path}：找不到评测数据集文件"
        )
    out: list[M] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as bad:
            raise ValidationFailed(
                f"{where}: not valid JSON ({bad.msg})",
                message_zh=f"{where}：不是合法的 JSON（{bad.msg}）",
            ) from bad
        unknown = sorted(set(raw) - known) if known is not None and isinstance(raw, dict) else []
        if unknown:
            names = ", ".join(sorted(known or ()))
            raise ValidationFailed(
                f"{where}: unknown field '{unknown[0]}' (a misspelling? known fields: {names})",
                message_zh=f"{where}：未知字段“{unknown[0]}”（是否拼错？已知字段：{names}）",
            )
        try:
            item = model.model_validate(raw)
        except ValidationError as bad:
            first = bad.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "case"
            raise ValidationFailed(
                f"{where}: field '{field}': {first['msg']}",
                message_zh=f"{where}：字段“{field}”有误：{first['msg']}",
            ) from bad
        if check is not None:
            check(item, where)
        ident = str(getattr(item, "id", ""))
        if ident in seen:
            raise ValidationFailed(
                f"{where}: field 'id': duplicate id {ident!r}",
                message_zh=f"{where}：字段“id”重复：{ident}",
            )
        seen.add(ident)
        out.append(item)
    if not out:
        raise ValidationFailed(f"{path}: dataset has no cases", message_zh=f"{path}：数据集为空")
    return out
