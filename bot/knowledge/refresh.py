"""Incremental, idempotent refresh and removal: decide what changed, build the next generation.

Rules (the places where a choice had to be made):

* Which files are looked at is ``walk.collect``'s policy: resolved roots, nothing read outside
  them (links that leave are reported), hidden files and YAML data left out. Other files the
  loaders cannot read are reported ``skipped`` too.
* Only sources under the given paths are looked at. A source indexed earlier from elsewhere is
  kept untouched, so refreshing folder A never drops what came from folder B; a source under a
  given folder that no longer exists is ``removed``.
* Unchanged means: same size and mtime (fast path, no read), or same bytes (sha256) — and the
  sidecar unchanged. Unchanged sources keep their chunks, which come from the previous
  generation, so nothing is loaded, chunked or embedded again. When nothing changed, no new
  generation is built: neither the embedding model nor Chroma is even imported.
* The same content under a second name (same ``doc_id``) is reported ``duplicate`` and not
  indexed twice; a source already indexed keeps priority over a new copy.
* A file that fails is reported with its reason and left out of the index; the others go on.
* Changing the chunk size, the embedding model or the tokenizer rebuilds every source.

What it leaves out: storage layout (``index``), loading and chunking (``loaders``, ``chunking``).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.errors import CareerCoachError, IngestError, KnowledgeIndexError, NotFoundError
from bot.knowledge.index import (
    IndexLayout,
    VectorStore,
    drop_old_generations,
    read_chunk_store,
    write_generation,
)
from bot.knowledge.lexical import ChineseTokenizer
from bot.knowledge.manifest import (
    DocumentInfo,
    FileReport,
    Manifest,
    RefreshReport,
    SourceEntry,
    save_manifest,
)
from bot.knowledge.models import Chunk, SourceDocument
from bot.knowledge.walk import collect
from bot.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


@dataclass
class RefreshContext:
    """Everything a refresh needs, built by ``KnowledgeBase``."""

    settings: Settings
    layout: IndexLayout
    store: VectorStore
    embeddings: Callable[[], Embeddings]  # called only when something must be embedded
    tokenizer: ChineseTokenizer
    embedding_id: str

    def config(self) -> dict[str, str]:
        s = self.settings
        return {
            "chunking": f"{s.chunk_tokens}/{s.chunk_overlap}",
            "embedding": self.embedding_id,
            "tokenizer": hashlib.sha256(self.tokenizer.signature.encode()).hexdigest()[:16],
        }


def passage_text(doc: DocumentInfo, chunk: Chunk) -> str:
    """What is embedded and BM25-indexed for a chunk: title and section give it context."""
    parts = [doc.title, *(p for p in chunk.section_path if p != doc.title)]
    head = " / ".join(p for p in parts if p)
    return f"{head}\n{chunk.text}" if head else chunk.text


def _sidecar(path: Path) -> str:
    for candidate in (path.with_name(path.name + ".meta.yaml"), path.with_suffix(".meta.yaml")):
        if candidate.is_file():
            st = candidate.stat()
            return f"{st.st_size}:{st.st_mtime_ns}"
    return ""


def _under(path: str, roots: list[Path]) -> bool:
    p = Path(path)
    return any(p == r or r in p.parents for r in roots)


def _same_bytes(path: Path, entry: SourceEntry, size: int) -> bool:
    if size != entry.size or not entry.content_hash:
        return False
    return hashlib.sha256(path.read_bytes()).hexdigest() == entry.content_hash


def run_refresh(
    ctx: RefreshContext, paths: list[Path], progress: Progress | None = None, force: bool = False
) -> RefreshReport:
    """Bring the index in line with ``paths``; see the module docstring for the rules."""
    started = time.perf_counter()
    with ctx.layout.lock():
        prev = ctx.layout.manifest()
        drop_old_generations(ctx.layout, ctx.store, keep={prev.generation, prev.generation - 1})
        config = ctx.config()
        force = force or prev.config != config
        files, reports, roots = collect(paths)
        old = prev.by_path()
        entries: dict[str, SourceEntry] = {
            e.path: e for e in prev.entries if not _under(e.path, roots)
        }
        claimed = {e.doc_id: e.path for e in entries.values() if e.status == "indexed"}
        present = {str(f) for f in files}
        for e in prev.entries:
            if _under(e.path, roots) and e.path not in present:
                reports.append(FileReport(path=e.path, status="removed", doc_id=e.doc_id))

        total, done = len(files), 0
        to_load: list[tuple[Path, int, int, str]] = []
        duplicates: list[tuple[Path, SourceEntry]] = []
        for path in files:
            st, sig = path.stat(), _sidecar(path)
            entry = old.get(str(path))
            same = (
                entry is not None
                and not force
                and entry.status in ("indexed", "duplicate")
                and entry.sidecar == sig
                and (
                    (entry.size, entry.mtime_ns) == (st.st_size, st.st_mtime_ns)
                    or _same_bytes(path, entry, st.st_size)
                )
            )
            if same and entry is not None:
                kept = entry.model_copy(update={"mtime_ns": st.st_mtime_ns})
                if entry.status == "duplicate":
                    duplicates.append((path, kept))  # decided once indexed sources are known
                    continue
                if entry.doc_id not in claimed:
                    entries[kept.path] = kept
                    claimed[kept.doc_id] = kept.path
                    reports.append(_report(kept, "unchanged"))
                    done += 1
                    if progress:
                        progress(done, total, str(path))
                    continue
            to_load.append((path, st.st_size, st.st_mtime_ns, sig))

        for path, kept in duplicates:
            if kept.doc_id in claimed:
                entries[kept.path] = kept
                reports.append(_report(kept, "duplicate"))
                done += 1
                if progress:
                    progress(done, total, str(path))
            else:
                st = path.stat()
                to_load.append((path, st.st_size, st.st_mtime_ns, kept.sidecar))

        t_collect = time.perf_counter()
        new_docs: dict[str, tuple[SourceDocument, list[Chunk]]] = {}
        for path, size, mtime, sig in to_load:
            entry = _load(ctx.settings, path, claimed, new_docs)
            entry = entry.model_copy(update={"size": size, "mtime_ns": mtime, "sidecar": sig})
            entries[entry.path] = entry
            reports.append(_report(entry, entry.status))
            done += 1
            if progress:
                progress(done, total, str(path))
        t_load = time.perf_counter()

        served_before = {(e.path, e.doc_id) for e in prev.entries if e.status == "indexed"}
        served_now = {(e.path, e.doc_id) for e in entries.values() if e.status == "indexed"}
        manifest = Manifest(
            generation=prev.generation,
            config=config,
            entries=sorted(entries.values(), key=lambda e: e.path),
            refreshed_at=datetime.now(UTC),
        )
        report = RefreshReport(files=reports, generation=prev.generation)
        if prev.generation and not new_docs and served_now == served_before and not force:
            save_manifest(ctx.layout.gen_dir(prev.generation) / "manifest.json", manifest)
        else:
            manifest.generation = prev.generation + 1
            report.embedded = _build(ctx, prev, manifest, new_docs)
            report.generation, report.new_generation = manifest.generation, True
        report.timings = {
            "collect": round(t_collect - started, 4),
            "load": round(t_load - t_collect, 4),
            "build": round(time.perf_counter() - t_load, 4),
            "total": round(time.perf_counter() - started, 4),
        }
        log.info("refresh done: %s in %.2fs", report.counts, report.timings["total"])
        return report


def _report(entry: SourceEntry, status: str) -> FileReport:
    return FileReport(
        path=entry.path,
        status=status,  # type: ignore[arg-type]
        reason=entry.reason,
        doc_id=entry.doc_id,
        chunks=len(entry.chunk_ids),
    )


def _load(
    settings: Settings,
    path: Path,
    claimed: dict[str, str],
    new_docs: dict[str, tuple[SourceDocument, list[Chunk]]],
) -> SourceEntry:
    """Load and chunk one file into a manifest entry; never raises for a bad file."""
    from bot.knowledge.chunking import chunk_document
    from bot.knowledge.loaders import load_source

    try:
        doc = load_source(path, max_bytes=int(settings.max_file_mb * 1_000_000))
        if doc.doc_id in claimed:
            why = f"same content as {claimed[doc.doc_id]} / 与该文件内容相同"
            return SourceEntry(
                path=str(path), status="duplicate", reason=why, doc_id=doc.doc_id,
                content_hash=doc.content_hash,
            )  # fmt: skip
        chunks = chunk_document(
            doc, chunk_tokens=settings.chunk_tokens, overlap_tokens=settings.chunk_overlap
        )
    except IngestError as exc:
        if exc.status == "skipped":
            return SourceEntry(path=str(path), status="skipped", reason=exc.reason)
        return SourceEntry(path=str(path), status="failed", reason=exc.reason)
    except CareerCoachError as exc:
        return SourceEntry(path=str(path), status="failed", reason=exc.message)
    except Exception as exc:  # one broken file must never stop the others; logged in full
        log.exception("unexpected error loading %s", path)
        return SourceEntry(path=str(path), status="failed", reason=f"{type(exc).__name__}: {exc}")
    if not chunks:
        why = "no text to index / 没有可索引的文字"
        return SourceEntry(path=str(path), status="skipped", reason=why, doc_id=doc.doc_id)
    claimed[doc.doc_id] = str(path)
    new_docs[doc.doc_id] = (doc, chunks)
    return SourceEntry(
        path=str(path),
        status="indexed",
        reason="; ".join(doc.notes),  # OCR and screening notes for the report
        content_hash=doc.content_hash,
        doc_id=doc.doc_id,
        chunk_ids=[c.chunk_id for c in chunks],
    )


def _build(
    ctx: RefreshContext,
    prev: Manifest,
    manifest: Manifest,
    new_docs: dict[str, tuple[SourceDocument, list[Chunk]]],
) -> int:
    """Write and commit ``manifest.generation``; returns how many passages were embedded."""
    old_chunks: dict[str, list[Chunk]] = {}
    old_docs: dict[str, DocumentInfo] = {}
    if prev.generation:
        chunks, old_docs = read_chunk_store(ctx.layout.gen_dir(prev.generation))
        for c in chunks:
            old_chunks.setdefault(c.doc_id, []).append(c)
    chunks_out: list[Chunk] = []
    documents: dict[str, DocumentInfo] = {}
    for entry in manifest.entries:
        if entry.status != "indexed":
            continue
        if entry.doc_id in new_docs:
            doc, doc_chunks = new_docs[entry.doc_id]
            title = doc.meta.title or Path(doc.path).stem
            info = DocumentInfo(
                doc_id=doc.doc_id, path=entry.path, file_type=doc.file_type, title=title,
                meta=doc.meta, chunks=len(doc_chunks),
            )  # fmt: skip
        else:
            info = old_docs[entry.doc_id].model_copy(update={"path": entry.path})
            doc_chunks = old_chunks[entry.doc_id]
        documents[info.doc_id] = info
        chunks_out.extend(doc_chunks)
    texts = [passage_text(documents[c.doc_id], c) for c in chunks_out]
    embedded = 0
    vectors = np.zeros((0, 0), dtype=np.float32)
    if texts:
        model = ctx.embeddings()
        before = getattr(model, "embedded", 0)
        try:
            vectors = np.asarray(model.embed_documents(texts), dtype=np.float32)
        except Exception as exc:  # endpoint down, model missing …: the old index keeps serving
            raise KnowledgeIndexError(
                f"embedding with {ctx.embedding_id} failed ({type(exc).__name__}: {exc}); "
                "the previous index is still in use",
                message_zh=f"使用 {ctx.embedding_id} 生成向量失败（{exc}）；仍在使用之前的索引",
            ) from exc
        embedded = getattr(model, "embedded", len(texts)) - before
    tokens = [ctx.tokenizer.tokens(t) for t in texts]
    write_generation(ctx.layout, ctx.store, manifest, chunks_out, documents, vectors, tokens)
    ctx.layout.commit(manifest.generation)
    # keep the generation just replaced: queries already running on it can finish
    drop_old_generations(ctx.layout, ctx.store, keep={manifest.generation, prev.generation})
    return embedded


def remove_sources(ctx: RefreshContext, ref: str) -> list[str]:
    """Drop the sources matching a doc id, a file or a folder; returns the removed doc ids."""
    with ctx.layout.lock():
        prev = ctx.layout.manifest()
        target = Path(ref).expanduser().resolve()
        hits = [e for e in prev.entries if e.doc_id == ref or _under(e.path, [target])]
        if not hits:
            raise NotFoundError(
                f"{ref}: no indexed document has this id or path",
                message_zh=f"{ref}：没有这个编号或路径的已索引文档",
            )
        gone = {e.path for e in hits}
        manifest = Manifest(
            generation=prev.generation + 1,
            config=prev.config,
            entries=[e for e in prev.entries if e.path not in gone],
            refreshed_at=prev.refreshed_at,
        )
        _build(ctx, prev, manifest, {})
        return [e.doc_id for e in hits if e.status == "indexed"]
