"""``careercoach eval`` and ``careercoach bench``: thin commands over ``evals/``.

``eval`` runs suites on datasets (the shipped ones by default) and prints metrics, optionally
writes a report and checks thresholds. ``bench`` runs the benchmarks. Heavy imports happen inside
the commands so ``careercoach --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli import settings_of
from bot.cli.params import writable_folder


@click.command("eval")
@click.argument(
    "suite",
    type=click.Choice(
        [
            "retrieval",
            "answers",
            "followups",
            "safety",
            "plans",
            "poisoned",
            "distress",
            "redaction",
            "all",
        ]
    ),
    default="all",
)
@click.option(
    "--dataset",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSONL dataset (default: the shipped datasets).",
)
@click.option(
    "--kb",
    type=click.Path(path_type=Path),
    help="Knowledge folder or file to index for the run (plans: the catalogue YAML).",
)
@click.option(
    "--split",
    type=click.Choice(["dev", "test", "both"]),
    default="both",
    help="Which half of split datasets to run: dev (tuning), test (frozen, gated) or both.",
)
@click.option("--json", "as_json", is_flag=True, help="Print metrics as JSON.")
@click.option(
    "--cases", "with_cases", is_flag=True, help="With --json, include every case's result."
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write report.md, report.html and charts into this folder.",
)
@click.option(
    "--baseline/--no-baseline",
    default=None,
    help="Also run the simple recipes beside retrieval (default: on for shipped corpora).",
)
@click.option(
    "--judge", is_flag=True, help="Add an LLM-judged faithfulness score (needs an LLM endpoint)."
)
@click.option(
    "--check",
    "check_thresholds",
    is_flag=True,
    help="Exit 1 when a metric falls short of the thresholds file.",
)
@click.option(
    "--thresholds",
    "thresholds_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Thresholds for --check (default evals/thresholds.yaml; keyed by dataset file stem).",
)
@click.pass_context
def eval_command(
    ctx: click.Context,
    suite: str,
    dataset: Path | None,
    kb: Path | None,
    split: str,
    as_json: bool,
    with_cases: bool,
    report_dir: Path | None,
    baseline: bool | None,
    judge: bool,
    check_thresholds: bool,
    thresholds_file: Path | None,
) -> None:
    """评测：检索、回答、安全、规划、危机识别、脱敏 / run the evaluation suites."""
    from evals.gate import check, load_thresholds
    from evals.judge import make_judge
    from evals.report import fmt, write_report
    from evals.runner import run_all, select
    from evals.shipped import THRESHOLDS
    from evals.workspace import Workspace

    settings = settings_of(ctx)
    if report_dir is not None:
        writable_folder(report_dir, "--report")  # before minutes of evaluation, not after
    runs = select(suite, dataset, kb, baseline)
    if not runs:
        click.echo("no dataset to run (the shipped ones are missing)", err=True)
        raise click.exceptions.Exit(1)
    judge_fn = make_judge(settings) if judge else None
    with Workspace(settings) as workspace:
        splits = ("dev", "test") if split == "both" else (split,)
        results = run_all(runs, workspace, judge_fn, splits)
    if as_json:
        payload = [r.model_dump() if with_cases else r.summary() for r in results]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for r in results:
            where = f"{r.dataset} / {r.suite} / {r.column}"
            click.echo(f"{where}  ({r.counts.get('cases', 0)} cases)")
            for metric, value in r.metrics.items():
                click.echo(f"  {metric:28s} {fmt(value)}")
            failed = [c.id for c in r.cases if c.passed is False]
            if failed:
                click.echo(f"  failed: {', '.join(failed)}")
    limits_file = thresholds_file or THRESHOLDS
    limits = load_thresholds(limits_file)
    if report_dir is not None:
        md, page = write_report(results, report_dir, limits)
        click.echo(f"report: {md} {page}", err=True)
    if check_thresholds:
        shortfalls = check(results, limits)
        for s in shortfalls:
            click.echo(f"below threshold: {s}", err=True)
        # a gate that checks nothing must not pass: name the datasets without thresholds
        unchecked = sorted({r.dataset for r in results} - set(limits))
        for name in unchecked:
            click.echo(f"no thresholds for dataset {name!r} in {limits_file}", err=True)
        if shortfalls or unchecked:
            raise click.exceptions.Exit(1)


@click.command("bench")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON, not a table.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the JSON figures to this file.",
)
@click.option("--quick", is_flag=True, help="A small run (seconds, not minutes) for tests.")
@click.option(
    "--sizes",
    type=int,
    multiple=True,
    help="Synthetic chunk counts for search latency (repeatable; default 1000 and 10000).",
)
@click.option(
    "--kb-sizes",
    type=int,
    multiple=True,
    help="Knowledge-base sizes in chunks for the growth table (repeatable; default 1000, "
    "10000, 50000; 0 skips it).",
)
@click.pass_context
def bench_command(
    ctx: click.Context,
    as_json: bool,
    output: Path | None,
    quick: bool,
    sizes: tuple[int, ...],
    kb_sizes: tuple[int, ...],
) -> None:
    """基准测试：与两种常见做法对比 / benchmark ours against two baseline recipes."""
    from dataclasses import replace

    from evals.bench import dump, full_plan, quick_plan, run_bench, table

    if output is not None:
        writable_folder(output.parent, "--output")
    plan = quick_plan() if quick else full_plan()
    if sizes:
        plan = replace(plan, sizes=tuple(sizes))
    if kb_sizes:
        plan = replace(plan, growth=tuple(n for n in kb_sizes if n > 0))
    result = run_bench(plan, settings_of(ctx), progress=lambda line: click.echo(line, err=True))
    text = dump(result)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
    click.echo(text if as_json else table(result))


commands = [eval_command, bench_command]
