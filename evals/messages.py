"""Labelled messages: the line format of the detector datasets (distress, redaction), read and
checked.

A line is one message a graduate might type, with what a detector should make of it::

    {"id": "d-001", "message": "…", "label": "distress", "kind": "literal", "lang": "zh",
     "split": "dev"}

Unlike :class:`evals.cases.Case` there is no question to answer and no evidence: the suites run
the detector on ``message`` alone. The extra fields of the shipped lines (``EXTRA_FIELDS``: the
redaction spans and kept strings, a conversation's context, notes) are kept; any other key is
refused with its line number, so a misspelling cannot empty a field silently. Validation errors
name the file, the line and the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.errors import ValidationFailed
from evals.cases import read_jsonl

# read through LabelledMessage.field: redaction spans and strings to keep, the turns before the
# message, a note for people
EXTRA_FIELDS = frozenset({"pii", "keep", "context", "note"})


class LabelledMessage(BaseModel):
    """One message and its label; ``split`` as in :class:`evals.cases.Case`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(min_length=1)
    message: str = Field(min_length=1)
    label: str = ""  # distress: "distress" or "calm"; redaction lines carry spans instead
    kind: str = ""
    lang: Literal["zh", "en"] = "zh"
    split: Literal["dev", "test"] | None = None
    tags: list[str] = Field(default_factory=list)

    @property
    def question(self) -> str:  # what reports show for a case
        return self.message

    def field(self, name: str, default: Any = None) -> Any:
        """An extra field of the line (e.g. the expected spans of a redaction case)."""
        return (self.model_extra or {}).get(name, default)


def message_suite(path: Path) -> str | None:
    """``distress`` or ``redaction`` when the first line of ``path`` is a labelled message (with
    ``label``, or with ``pii`` spans), else None."""
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                raw = json.loads(line)
                if not isinstance(raw, dict) or "message" not in raw:
                    return None
                if "pii" in raw:
                    return "redaction"
                return "distress" if "label" in raw else None
    except (OSError, json.JSONDecodeError):
        return None
    return None


def load_messages(path: Path, labels: frozenset[str] | None = None) -> list[LabelledMessage]:
    """Read a labelled-message JSONL file; ``labels`` limits what ``label`` may be."""

    def label_allowed(item: LabelledMessage, where: str) -> None:
        if labels is not None and item.label not in labels:
            wanted = " or ".join(sorted(labels))
            raise ValidationFailed(
                f"{where}: field 'label': {item.label!r} is not {wanted}",
                message_zh=f"{where}：字段“label”应为 {wanted}，而不是 {item.label}",
            )

    known = frozenset(LabelledMessage.model_fields) | EXTRA_FIELDS
    return read_jsonl(path, LabelledMessage, known=known, check=label_allowed)
