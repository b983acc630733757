"""Incremental, idempotent refresh and removal: decide what changed, build the next generation.

Rules (the places where a choice had to be made):

* Which files are looked at is ``walk.collect``'s policy: resolved roots, nothing read outside
  them (links that leave are reported), hidden files and YAML data (resources.yaml, terms.yaml,
  ``*.meta.yaml`` sidecars) left out. Other files the loaders cannot read are reported
  ``skipped`` too.
* Only sources under the given paths are looked at. A source indexed earlier from elsewhere is
  kept untouched, so refreshing folder A never drops what came from folder B; a source under a
  given folder that no longer exists is ``removed``.
* Unchanged means: same size and mtime (fast path, no read), or same bytes (sha256) — and the
  sidecar unchanged. Unchanged sources keep their rows in the segments they are in: nothing is
  loaded, chunked, tokenised or embedded again, and nothing is copied (``build``). When nothing
  changed, no new generation is built: neither the embedding model, jieba nor Chroma is even
  imported, and the record's mtimes are updated in place.
* The same content under a second name (same ``doc_id``) is reported ``duplicate`` and not
  indexed twice; a source already indexed keeps priority over a new copy.
* A file that fails to load is reported with its reason and left out of the index; the others go
  on. A changed file whose new text cannot be embedded is reported ``failed`` and its previous
  version stays indexed (the next refresh tries again); a new one is left out.
* Changing the chunk size, the embedding model, the tokenizer or where vectors live rebuilds every
  source.
* Damage found in the base generation (``upkeep.open_base``) is reported in the refresh's
  warnings; documents whose rows cannot be read are loaded again from their files, wherever
  they are, and the refresh then commits a whole generation.
* A full disk, an unreachable database or Chroma server stop the refresh with the reason in
  words before anything is committed: the previous generation keeps serving.

What it leaves out: storage (``state``, ``segment``), building (``build``), loading and chunking
(``loaders``, ``chunking``).
"""

from __future__ import annotations

import errno
import hashlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.errors import CareerCoachError, IngestError, KnowledgeIndexError, NotFoundError
from bot.knowledge import legacy
from bot.knowledge.build import Builder, RefreshContext, document_info, passage_text
from bot.knowledge.index import GenerationDamaged, SegmentPool, open_generation
from bot.knowledge.manifest import FileReport, Manifest, RefreshReport, SourceEntry
from bot.knowledge.models import Chunk, SourceDocument
from bot.knowledge.state import FileState
from bot.knowledge.upkeep import Base, collect_garbage, drop_damaged, open_base, verify_segments
from bot.knowledge.walk import collect
from bot.settings import Settings

__all__ = ["RefreshContext", "passage_text", "remove_sources", "run_refresh"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


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


def _stopped(exc: OSError, base: Base) -> KnowledgeIndexError:
    where = exc.filename or "the index folder"
    serving = f"generation {base.number}" if base.number else "the empty index"
    serving_zh = f"第 {base.number} 代索引" if base.number else "空索引"
    if exc.errno in _FULL:
        return KnowledgeIndexError(
            f"no space left on the disk holding {where} ({exc.strerror}); the refresh stopped "
            f"and {serving} keeps serving. Free some space and refresh again",
            message_zh=f"{where} 所在磁盘空间不足，刷新已停止，仍在使用{serving_zh}；"
            "请清理空间后重新刷新",
        )
    return KnowledgeIndexError(
        f"writing the index failed at {where} ({exc.strerror or exc}); the refresh stopped and "
        f"{serving} keeps serving",
        message_zh=f"写入索引失败（{where}：{exc.strerror or exc}），"
        f"刷新已停止，仍在使用{serving_zh}",
    )


def _begin(ctx: RefreshContext) -> tuple[SegmentPool, Base, list[str]]:
    """Under the lock: claim a copied home, open the base, clear what killed refreshes left."""
    note = ctx.state.claim()
    pool = SegmentPool(ctx.state, map_vectors=False)
    base = open_base(ctx, pool)
    warnings = ([note] if note else []) + base.warnings
    numbers = [m for m in ctx.state.generations() if m not in base.leftovers]
    if base.number:  # the base and the one before it (queries may still run on it)
        keep = {base.number, *[m for m in numbers if m < base.number][-1:], *base.keep}
    else:
        keep = set(numbers)
    warnings += collect_garbage(ctx, keep)
    return pool, base, warnings


def _commit(
    ctx: RefreshContext, base: Base, builder: Builder, entries: list[SourceEntry],
    refreshed_at: datetime | None,
) -> tuple[Manifest, list[str]]:  # fmt: skip
    """Write, commit, check the new generation; then delete what nothing kept uses."""
    record = builder.finish(base.next_number, entries, refreshed_at)
    ctx.state.commit(record.generation)
    try:
        assert builder.pool is not None
        open_generation(
            ctx.state, builder.pool, ctx.server, record.generation, record=record
        ).close()
    except GenerationDamaged as exc:
        if base.number:
            ctx.state.commit(base.number)
        raise KnowledgeIndexError(
            f"the new generation {record.generation} is not whole ({exc}); generation "
            f"{base.number} keeps serving",
            message_zh=f"新建的第 {record.generation} 代索引不完整，仍在使用第 {base.number} 代",
        ) from exc
    keep = {record.generation, *base.keep}
    notes = []
    if base.damaged:  # of no use to running queries: replaced, and said so
        notes.append(f"generation {base.number} was damaged; generation {record.generation} "
                     "replaces it and it is deleted")  # fmt: skip
    elif base.number:
        keep.add(base.number)
    try:
        notes += collect_garbage(ctx, keep)
    except (OSError, CareerCoachError) as exc:  # committed already: clean-up can wait
        log.warning("clean-up after generation %d failed: %s", record.generation, exc)
        notes += [f"old generations were not cleaned up ({exc}); the next refresh retries"]
    return record, notes


def run_refresh(
    ctx: RefreshContext,
    paths: list[Path],
    progress: Progress | None = None,
    force: bool = False,
    *,
    repair: bool = False,
) -> RefreshReport:
    """Bring the index in line with ``paths``; see the module docstring for the rules.

    ``repair`` (``kb check --repair``) also checksums every segment of the base, treats the
    documents of any that differ as damaged, and afterwards deletes damaged generation records.
    """
    started = time.perf_counter()
    with ctx.state.lock():
        pool, base, warnings = _begin(ctx)
        if repair:
            warnings += verify_segments(base, pool)
        builder = Builder(ctx, base.record, base.damaged, base.vectors_whole, pool=pool)
        try:
            for info, chunks in base.legacy_docs:
                builder.add(info, chunks)
            report = _refresh(ctx, base, builder, paths, progress, force, started)
            if (
                report.new_generation
                and base.legacy is not None
                and isinstance(ctx.state, FileState)
            ):
                gone = legacy.remove(ctx.state.root)
                report.warnings.append(f"removed the first-format folders {', '.join(gone)}")
            if repair:
                report.warnings += drop_damaged(ctx, report.generation)
        except OSError as exc:
            ctx.state.cleanup_temporary()
            raise _stopped(exc, base) from exc
        finally:
            builder.close()
        report.warnings = warnings + report.warnings
        log.info("refresh done: %s in %.2fs", report.counts, report.timings["total"])
        return report


def _refresh(
    ctx: RefreshContext, base: Base, builder: Builder, paths: list[Path],
    progress: Progress | None, force: bool, started: float,
) -> RefreshReport:  # fmt: skip
    prev = base.record
    config = ctx.config()
    force = force or prev.config != config
    files, reports, roots = collect(paths)
    old = prev.by_path()
    entries: dict[str, SourceEntry] = {e.path: e for e in prev.entries if not _under(e.path, roots)}
    claimed = {e.doc_id: e.path for e in entries.values() if e.status == "indexed"}
    present = {str(f) for f in files}
    for e in prev.entries:
        if _under(e.path, roots) and e.path not in present:
            reports.append(FileReport(path=e.path, status="removed", doc_id=e.doc_id))

    total, done = len(files), 0
    to_load: list[tuple[Path, int, int, str]] = []
    duplicates: list[tuple[Path, SourceEntry]] = []
    for e in list(entries.values()):  # damaged rows of sources outside the given paths
        if e.status == "indexed" and e.doc_id in base.damaged:
            del entries[e.path]
            claimed.pop(e.doc_id, None)
            path = Path(e.path)
            if path.is_file():
                st = path.stat()
                to_load.append((path, st.st_size, st.st_mtime_ns, _sidecar(path)))
                total += 1
            else:
                why = "its rows were damaged and its file is gone / 索引数据损坏且源文件已不存在"
                entries[e.path] = e.model_copy(update={"status": "failed", "reason": why})
                reports.append(FileReport(path=e.path, status="failed", reason=why))
    for path in files:
        st, sig = path.stat(), _sidecar(path)
        entry = old.get(str(path))
        same = (
            entry is not None
            and not force
            and entry.status in ("indexed", "duplicate")
            and entry.doc_id not in base.damaged
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
        if entry.doc_id in new_docs:  # hand it over now: memory holds one batch, not all
            doc, chunks = new_docs.pop(entry.doc_id)
            builder.add(document_info(doc, entry.path, chunks), chunks)
        done += 1
        if progress:
            progress(done, total, str(path))
    builder.flush()
    t_load = time.perf_counter()
    _embedding_failures(builder, base, old, entries, reports)
    for e in entries.values():
        if e.status == "indexed" and e.doc_id not in builder.infos:
            builder.carry(e.doc_id, e.path)

    served_before = {(e.path, e.doc_id) for e in prev.entries if e.status == "indexed"}
    served_now = {(e.path, e.doc_id) for e in entries.values() if e.status == "indexed"}
    now = datetime.now(UTC)
    report = RefreshReport(files=reports, generation=base.number)
    changed = (
        bool(builder.new_segments) or served_now != served_before or force or not base.pointer_ok
    )
    if base.number and not changed and base.whole:
        prev.entries = sorted(entries.values(), key=lambda e: e.path)
        prev.refreshed_at = now
        ctx.write(prev)  # the sources' mtimes, in place
    else:
        if not base.vectors_whole:
            carried = [d for d in builder.infos if builder.infos[d].segment in prev.segments]
            for doc_id in builder.ensure_vectors(carried):
                lost = builder.infos.pop(doc_id).path
                why = builder.failed[doc_id]
                entries[lost] = entries[lost].model_copy(
                    update={"status": "failed", "reason": why, "size": 0}
                )
                reports.append(FileReport(path=lost, status="failed", reason=why))
        record, notes = _commit(ctx, base, builder, list(entries.values()), now)
        report.warnings += notes
        report.generation, report.new_generation = record.generation, True
    report.embedded = builder.embedded
    report.merged = builder.merged
    report.timings = {
        "collect": round(t_collect - started, 4),
        "load": round(t_load - t_collect, 4),
        "build": round(time.perf_counter() - t_load, 4),
        "total": round(time.perf_counter() - started, 4),
    }
    return report


def _embedding_failures(
    builder: Builder, base: Base, old: dict[str, SourceEntry],
    entries: dict[str, SourceEntry], reports: list[FileReport],
) -> None:  # fmt: skip
    """A file whose passages could not be embedded: the previous version stays, or it fails."""
    by_doc = {e.doc_id: e.path for e in entries.values() if e.status == "indexed"}
    for doc_id, why in builder.failed.items():
        path = by_doc.get(doc_id)
        if path is None:
            continue
        before = old.get(path)
        if (
            before is not None
            and before.status == "indexed"
            and before.doc_id in base.record.documents
            and before.doc_id not in base.damaged
            and before.doc_id not in builder.infos
        ):
            entries[path] = before  # its old size and mtime: the next refresh tries again
            reason = f"{why}; the previous version stays in the index / 仍保留旧版本"
        else:
            entries[path] = entries[path].model_copy(
                update={"status": "failed", "reason": why, "size": 0}
            )
            reason = why
        for i, r in enumerate(reports):
            if r.path == path:
                reports[i] = FileReport(path=path, status="failed", reason=reason, doc_id=doc_id)


def remove_sources(ctx: RefreshContext, ref: str) -> list[str]:
    """Drop the sources matching a doc id, a file or a folder; returns the removed doc ids."""
    with ctx.state.lock():
        pool, base, _ = _begin(ctx)
        prev = base.record
        target = Path(ref).expanduser().resolve()
        hits = [e for e in prev.entries if e.doc_id == ref or _under(e.path, [target])]
        if not hits:
            raise NotFoundError(
                f"{ref}: no indexed document has this id or path",
                message_zh=f"{ref}：没有这个编号或路径的已索引文档",
            )
        gone = {e.path for e in hits}
        builder = Builder(ctx, prev, base.damaged, base.vectors_whole, pool=pool)
        try:
            entries = [e.model_copy() for e in prev.entries if e.path not in gone]
            for e in entries:
                if e.status == "indexed" and e.doc_id in base.damaged:
                    why = "its rows were damaged; refresh its folder / 索引数据损坏，请重新刷新"
                    e.status, e.reason = "failed", why
                elif e.status == "indexed":
                    builder.carry(e.doc_id, e.path)
            if not base.vectors_whole:
                for doc_id in builder.ensure_vectors(list(builder.infos)):
                    lost = next(e for e in entries if e.doc_id == doc_id)
                    lost.status, lost.reason = "failed", builder.failed[doc_id]
            _commit(ctx, base, builder, entries, prev.refreshed_at)
        except OSError as exc:
            ctx.state.cleanup_temporary()
            raise _stopped(exc, base) from exc
        finally:
            builder.close()
        return [e.doc_id for e in hits if e.status == "indexed"]


def _report(entry: SourceEntry, status: str) -> FileReport:
    return FileReport(
        path=entry.path,
        status=status,  # type: ignore[arg-type]
        reason=entry.reason,
        doc_id=entry.doc_id,
        chunks=entry.chunks,
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
        # the report is read by maintainers in both languages: the reason in each, once
        both = exc.reason if exc.reason_zh == exc.reason else f"{exc.reason} / {exc.reason_zh}"
        if exc.status == "skipped":
            return SourceEntry(path=str(path), status="skipped", reason=both)
        return SourceEntry(path=str(path), status="failed", reason=both)
    except CareerCoachError as exc:
        zh = exc.message_zh
        both = exc.message if not zh or zh == exc.message else f"{exc.message} / {zh}"
        return SourceEntry(path=str(path), status="failed", reason=both)
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
        chunks=len(chunks),
    )
