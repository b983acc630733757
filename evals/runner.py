"""Choose datasets and suites, run them in one workspace, collect the results.

``select`` turns the CLI's (suite, --dataset, --kb) into runs; ``run_all`` executes them. With no
``--dataset`` every shipped dataset that is present runs the suites it is meant for. A dataset
written elsewhere runs the suites its cases fit: plan cases (with ``profile``) the plans suite,
cases with ``expect`` the safety suite, labelled messages (``message`` and ``label``,
:mod:`evals.messages`) the distress suite, the rest retrieval and answers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bot.errors import ValidationFailed
from evals.cases import Case, load_cases
from evals.messages import LabelledMessage, load_messages, message_suite
from evals.results import SuiteResult
from evals.shipped import (
    DatasetSpec,
    fixed_numbers,
    framing_patterns,
    secret_prompt_texts,
    shipped_datasets,
)
from evals.suites.answers import JudgeFn, run_answers
from evals.suites.distress import LABELS as DISTRESS_LABELS
from evals.suites.distress import run_distress
from evals.suites.followups import run_followups
from evals.suites.plans import run_plans
from evals.suites.poisoned import (
    is_poison_dataset,
    load_poison_cases,
    report_by_name,
    run_poisoned,
)
from evals.suites.redaction import run_redaction
from evals.suites.retrieval import run_retrieval
from evals.suites.safety import run_safety
from evals.workspace import Workspace

log = logging.getLogger(__name__)

SUITES = (
    "retrieval",
    "answers",
    "followups",
    "safety",
    "plans",
    "poisoned",
    "distress",
    "redaction",
)
# suites whose datasets are labelled messages rather than questions
MESSAGE_SUITES = frozenset({"distress", "redaction"})
SPLITS = ("dev", "test")


@dataclass(frozen=True)
class Run:
    spec: DatasetSpec
    suites: tuple[str, ...]
    baseline: bool


class _Split(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def split(self) -> str | None: ...


C = TypeVar("C", bound=_Split)


def _fitting_suites(cases: Sequence[Case]) -> tuple[str, ...]:
    if all(c.profile is not None for c in cases):
        return ("plans",)
    if all(c.expect for c in cases):
        return ("safety",)
    if all(c.turns for c in cases):
        return ("followups",)
    return ("retrieval", "answers")


def select(
    suite: str,
    dataset: Path | None = None,
    kb: Path | None = None,
    baseline: bool | None = None,
    names: Sequence[str] | None = None,
) -> list[Run]:
    """The runs for ``careercoach eval SUITE [--dataset FILE] [--kb PATH] [--baseline]``;
    ``names`` picks shipped datasets by name (one file may hold several, e.g. the paraphrases
    of two corpora)."""
    wanted = SUITES if suite == "all" else (suite,)
    shipped = shipped_datasets()
    if names is not None:
        unknown = sorted(set(names) - {s.name for s in shipped})
        if unknown:
            raise ValidationFailed(
                f"dataset: no shipped dataset named {', '.join(unknown)}",
                message_zh=f"数据集：没有名为 {'、'.join(unknown)} 的自带数据集",
            )
        shipped = [s for s in shipped if s.name in names]
    if dataset is None:
        specs = [s for s in shipped if s.available and set(s.suites) & set(wanted)]
        if kb is not None:
            specs = [replace(s, kb=kb) for s in specs]
    else:
        known = [s for s in shipped if s.path.resolve() == dataset.resolve()]
        if kb is None and not known:
            raise ValidationFailed(
                f"--kb: required for {dataset} (not a shipped dataset)",
                message_zh=f"--kb：数据集 {dataset} 不是项目自带的，需要指定知识库路径",
            )
        if known:
            specs = [
                replace(s, kb=kb or s.kb, suites=s.suites if suite == "all" else (suite,))
                for s in known
            ]
        else:
            kind = "poisoned" if is_poison_dataset(dataset) else message_suite(dataset)
            suites = (kind,) if kind is not None else _fitting_suites(load_cases(dataset))
            specs = [
                DatasetSpec(
                    dataset.stem, dataset, kb or dataset, suites if suite == "all" else (suite,)
                )
            ]
    runs = []
    for spec in specs:
        if not spec.kb.exists():
            raise ValidationFailed(
                f"--kb: {spec.kb} does not exist (dataset {spec.name})",
                message_zh=f"--kb：{spec.kb} 不存在（数据集 {spec.name}）",
            )
        chosen = tuple(s for s in spec.suites if s in wanted) if dataset is None else spec.suites
        runs.append(Run(spec, chosen, spec.baseline if baseline is None else baseline))
    return runs


def by_split(
    cases: Sequence[C], path: Path, splits: Sequence[str] = SPLITS
) -> list[tuple[str, list[C]]]:
    """The cases of each wanted split, in ``splits`` order; ``[("", cases)]`` for a dataset
    without splits. A dataset where only some cases name a split is refused: its figures would
    mix tuned and held-out cases."""
    named = [c for c in cases if c.split is not None]
    if not named:
        return [("", list(cases))]
    if len(named) != len(cases):
        missing = next(c.id for c in cases if c.split is None)
        raise ValidationFailed(
            f"{path}: field 'split': case {missing!r} has none while others do (dev or test)",
            message_zh=f"{path}：字段“split”：用例 {missing} 缺少划分（dev 或 test），而其他用例有",
        )
    return [
        (s, [c for c in cases if c.split == s]) for s in splits if any(c.split == s for c in cases)
    ]


def run_all(
    runs: Sequence[Run],
    workspace: Workspace,
    judge: JudgeFn | None = None,
    splits: Sequence[str] = SPLITS,
) -> list[SuiteResult]:
    """Run every selected suite on each wanted split of its dataset (a dataset without splits
    runs whole); results in the order given (baselines after ours)."""
    results: list[SuiteResult] = []
    for run in runs:
        spec = run.spec
        loaded = _load(spec.path, run.suites)
        if spec.only is not None:
            field, value = spec.only
            loaded = [c for c in loaded if getattr(c, field, None) == value]
        for split, cases in by_split(loaded, spec.path, splits):
            for suite in run.suites:
                log.info("running %s on %s %s (%d cases)", suite, spec.name, split, len(cases))
                found = _run_one(suite, spec, cases, run.baseline, workspace, judge)
                for result in found:
                    result.split = split
                results += found
    return results


def _load(path: Path, suites: Sequence[str]) -> list[Any]:
    """The dataset's cases: labelled messages for the message suites, else questions."""
    if set(suites) == {"distress"}:
        return load_messages(path, DISTRESS_LABELS)
    if set(suites) == {"redaction"}:
        return load_messages(path)
    if set(suites) == {"poisoned"}:
        return load_poison_cases(path)
    if set(suites) & MESSAGE_SUITES:
        raise ValidationFailed(
            f"{path}: the {'/'.join(sorted(set(suites) & MESSAGE_SUITES))} suite runs alone on "
            "its own dataset of labelled messages",
            message_zh=f"{path}：distress、redaction 套件只能单独运行在自己的消息数据集上",
        )
    return load_cases(path)


def _run_one(
    suite: str,
    spec: DatasetSpec,
    cases: list[Any],
    baseline: bool,
    workspace: Workspace,
    judge: JudgeFn | None,
) -> list[SuiteResult]:
    kb = str(spec.kb)
    match suite:
        case "retrieval":
            found = [run_retrieval(cases, workspace.knowledge_base(spec.kb), dataset=spec.name)]
            if baseline:
                for recipe in workspace.baselines(spec.kb):
                    found.append(
                        run_retrieval(cases, recipe, dataset=spec.name, system=recipe.name)
                    )
        case "answers":
            answer = workspace.answer_fn(spec.kb)
            found = [
                run_answers(
                    cases,
                    answer,
                    dataset=spec.name,
                    judge=judge,
                    fixed_numbers=fixed_numbers(),
                    framing=framing_patterns(),
                )
            ]
        case "followups":
            converse = workspace.converse_fn(spec.kb)
            found = [run_followups(cases, converse, dataset=spec.name)]
        case "safety":
            answer = workspace.answer_fn(spec.kb)
            prompts = secret_prompt_texts()
            found = [run_safety(cases, answer, dataset=spec.name, prompt_texts=prompts)]
        case "plans":
            found = [run_plans(cases, workspace.eligibility_fn(spec.kb), dataset=spec.name)]
        case "poisoned":
            answer = workspace.answer_fn(spec.kb)
            lines = report_by_name(workspace.refresh_report(spec.kb).files)
            found = [run_poisoned(cases, answer, lines, dataset=spec.name)]
        case "distress":
            messages: list[LabelledMessage] = cases
            found = [run_distress(messages, workspace.distress_fn(spec.kb), dataset=spec.name)]
        case "redaction":
            from bot.privacy import redact

            found = [run_redaction(cases, redact, dataset=spec.name)]
        case other:
            raise ValidationFailed(
                f"suite: unknown suite {other!r}", message_zh=f"未知评测套件 {other}"
            )
    for result in found:
        result.kb = kb
    return found
