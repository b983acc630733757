"""The verified-answer dataset (``evals/datasets/verified.jsonl``): answer groups and probes.

Lines of ``kind: answer`` are verified answers a counselor would have approved (a ``group`` id,
its ``lang`` and the ``questions`` it was written for); lines of ``kind: question`` are new
questions, each with ``answered_by`` (the group whose answer answers it, or null when none does)
and a ``split`` (``dev`` when ``int(sha256(id), 16)`` is even). See ``evals/README.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ValidationFailed

DATASET = Path(__file__).resolve().parent / "datasets" / "verified.jsonl"


@dataclass(frozen=True)
class AnswerGroup:
    group: str
    lang: str
    questions: list[str]


@dataclass(frozen=True)
class Probe:
    id: str
    question: str
    lang: str
    answered_by: str | None
    split: str


def load_verified(path: Path = DATASET) -> tuple[list[AnswerGroup], list[Probe]]:
    groups: list[AnswerGroup] = []
    probes: list[Probe] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if row["kind"] == "answer":
                groups.append(AnswerGroup(row["group"], row["lang"], list(row["questions"])))
            else:
                probes.append(
                    Probe(row["id"], row["question"], row["lang"], row["answered_by"], row["split"])
                )
        except (ValueError, KeyError, TypeError) as bad:
            raise ValidationFailed(
                f"{path}:{number}: not a verified-answer line ({bad})",
                message_zh=f"{path} 第 {number} 行：不是审核回答数据集的格式（{bad}）",
            ) from bad
    known = {g.group for g in groups}
    for probe in probes:
        if probe.answered_by is not None and probe.answered_by not in known:
            raise ValidationFailed(
                f"{path}: {probe.id}: answered_by {probe.answered_by!r} is not a group",
                message_zh=f"{path}：{probe.id} 的 answered_by {probe.answered_by!r} "
                "不是已有的分组",
            )
    return groups, probes
