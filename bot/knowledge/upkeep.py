"""What a refresh finds and what it leaves: the base generation, leftovers, garbage.

``open_base`` picks the generation a refresh builds on. Normally that is the one the pointer
names. When the pointer is missing, empty, garbage or names a generation with no record, or
that record cannot be read, it falls back to the newest record that reads, and says so; when a
record reads but some of its segments do not, the documents in them are marked *damaged* so the
refresh loads them again from their files. Nothing found damaged is deleted here: a refresh
reports it in words, and ``careercoach kb check --repair`` removes it.

``collect_garbage`` deletes, under the refresh lock, what no kept generation uses: records of
older generations (and of refreshes that were killed before committing), segments nobody
points at, rows on the Chroma server that only dropped generations used or that a killed
refresh had journaled as pending. It deletes nothing while any record is unreadable (it cannot
know what that record uses), and never touches another knowledge base's collections.
What it leaves out: building (``build``), deciding what changed (``refresh``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge import legacy
from bot.knowledge.build import RefreshContext
from bot.knowledge.index import LOCAL, GenerationDamaged, SegmentPool, open_generation
from bot.knowledge.manifest import DocumentInfo, Manifest
from bot.knowledge.models import Chunk
from bot.knowledge.segment import SegmentDamaged
from bot.knowledge.state import FileState, PointerDamaged, RecordDamaged
from bot.knowledge.vectors import row_ids

log = logging.getLogger(__name__)


@dataclass
class Base:
    """The generation a refresh starts from, and what is wrong around it."""

    number: int = 0
    record: Manifest = field(default_factory=Manifest)
    damaged: set[str] = field(default_factory=set)  # doc ids whose rows cannot be read
    vectors_whole: bool = True  # every document has its vectors where ctx.collection() says
    warnings: list[str] = field(default_factory=list)
    pointer_ok: bool = True
    next_number: int = 1
    keep: set[int] = field(default_factory=set)  # generations that must not be deleted
    leftovers: list[int] = field(default_factory=list)  # records never committed (killed)
    legacy: Path | None = None  # a first-format generation folder being converted
    legacy_docs: list[tuple[DocumentInfo, list[Chunk]]] = field(default_factory=list)

    @property
    def whole(self) -> bool:
        return not self.damaged and self.vectors_whole and not self.warnings


def open_base(ctx: RefreshContext, pool: SegmentPool) -> Base:
    state = ctx.state
    base = Base()
    numbers = state.generations()
    if isinstance(state, FileState) and not numbers and _first_format(ctx, state, base):
        return base
    pointer: int | None = None
    try:
        pointer = state.pointer()
    except PointerDamaged as exc:
        base.pointer_ok = False
        base.warnings.append(f"the generation pointer is damaged: {exc}")
    if pointer is not None and pointer not in numbers:
        base.pointer_ok = False
        base.warnings.append(
            f"the generation pointer names generation {pointer}, which has no record"
        )
    if pointer is None and base.pointer_ok and numbers:
        base.pointer_ok = False
        base.warnings.append(f"the generation pointer is missing ({state.where}) but records exist")
    base.next_number = max([*numbers, pointer or 0]) + 1
    if base.pointer_ok and pointer is not None:
        candidates = [pointer, *(m for m in reversed(numbers) if m < pointer)]
        base.leftovers = [m for m in numbers if m > pointer]
    else:
        candidates = list(reversed(numbers))
    for m in candidates:
        try:
            record = ctx.read(m)
        except RecordDamaged as exc:
            base.warnings.append(f"generation {m} cannot be used: {exc}")
            base.keep.add(m)
            continue
        base.number, base.record = m, record
        _check(ctx, pool, base)
        break
    else:
        if numbers:
            base.warnings.append(
                "no generation record can be read: every file given is indexed again; documents "
                "indexed only from other folders are not served until those are refreshed"
            )
    if base.warnings:
        where = state.where
        base.warnings.append(
            f"building on generation {base.number or 'none'} ({where}); damaged records are kept "
            "for `careercoach kb check --repair`"
        )
    return base


def _first_format(ctx: RefreshContext, state: FileState, base: Base) -> bool:
    folder = legacy.find(state.root)
    if folder is None:
        return False
    try:
        manifest, docs = legacy.read(folder)
    except (OSError, ValueError) as exc:
        base.warnings.append(
            f"the first-format index {folder} cannot be read ({exc}); it is kept, and every "
            "file given is indexed again"
        )
        return True
    vectors = ctx.config()["vectors"]
    base.record = Manifest(entries=manifest.entries, config={**manifest.config, "vectors": vectors})
    base.legacy, base.legacy_docs = folder, docs
    base.next_number = manifest.generation + 1
    base.warnings.append(
        f"converting the index from the first format ({folder.name}, {len(docs)} documents); "
        "vectors come from the embedding cache"
    )
    return True


def _check(ctx: RefreshContext, pool: SegmentPool, base: Base) -> None:
    record = base.record
    bad: set[str] = set()
    keys: dict[str, set[str]] = {}
    dims: dict[str, int] = {}
    for seg_id in record.segments:
        try:
            seg = pool.acquire(seg_id)
        except SegmentDamaged as exc:
            base.warnings.append(f"generation {base.number}: segment {seg_id} is damaged ({exc})")
            bad.add(seg_id)
            continue
        keys[seg_id] = set(seg.docs)
        dims[seg_id] = seg.dim
        pool.release(seg_id)
    for doc_id, info in record.documents.items():
        missing = info.segment in bad or info.key not in keys.get(info.segment, set())
        if missing or (record.vectors == LOCAL and not dims.get(info.segment)):
            base.damaged.add(doc_id)
    for e in record.entries:
        if e.status == "indexed" and e.doc_id not in record.documents:
            base.damaged.add(e.doc_id)
    if base.damaged:
        base.warnings.append(
            f"generation {base.number}: {len(base.damaged)} document(s) cannot be read from the "
            "index and are loaded again from their files"
        )
    if record.vectors != LOCAL and record.vectors != ctx.collection():
        base.vectors_whole = False  # a copied home or another model: rows go to our collection
    elif record.vectors != LOCAL and ctx.server is not None:
        count = ctx.server.count(record.vectors)
        if count is None or count < record.chunks:
            base.vectors_whole = False
            base.warnings.append(
                f"Chroma collection {record.vectors} holds {count or 0} vectors for "
                f"{record.chunks} chunks; the missing ones are added again from the cache"
            )


def collect_garbage(ctx: RefreshContext, keep: set[int]) -> list[str]:
    """Delete what no generation in ``keep`` uses; returns warnings (in words)."""
    state = ctx.state
    records: dict[int, Manifest] = {}
    unknown = []
    for m in state.generations():
        try:
            records[m] = ctx.read(m)
        except RecordDamaged:
            unknown.append(m)
    kept = [r for m, r in records.items() if m in keep]
    dropped = [r for m, r in records.items() if m not in keep]
    if unknown:
        return [
            f"generation record(s) {', '.join(map(str, unknown))} cannot be read, so nothing "
            "was deleted; run `careercoach kb check --repair`"
        ]
    own = f"cc-{state.kb_id()}-"
    if ctx.server is not None:
        used = {(r.vectors, d.key) for r in kept for d in r.documents.values()}
        doomed: dict[tuple[str, str], int] = {}
        for r in dropped:
            for d in r.documents.values():
                doomed[(r.vectors, d.key)] = d.chunks
        for name, key, count in state.pending():
            doomed[(str(name), str(key))] = int(count)
        for (name, key), count in doomed.items():
            if (name, key) not in used and name.startswith(own):
                ctx.server.delete(name, row_ids(key, count))
        collections = {r.vectors for r in kept}
        for name in ctx.server.names(own):
            if name not in collections:
                log.info("dropping Chroma collection %s (no generation uses it)", name)
                ctx.server.drop_collection(name)
    for r in dropped:
        log.info("removing old index generation %d", r.generation)
        ctx.drop(r.generation)
    referenced = {s for r in kept for s in r.segments}
    for seg_id in state.segment_ids():
        if seg_id not in referenced:
            state.drop_segment(seg_id)
    state.cleanup_temporary()
    if state.pending():
        state.set_pending([])
    return []


def verify_segments(base: Base, pool: SegmentPool) -> list[str]:
    """Checksum the base's segments (``kb check --repair``); documents of a segment that
    differs are marked damaged, to be loaded again."""
    notes = []
    for seg_id in base.record.segments:
        try:
            seg = pool.acquire(seg_id)
        except SegmentDamaged:
            continue  # already found by open_base
        try:
            problems = seg.verify()
        finally:
            pool.release(seg_id)
        if problems:
            notes += problems
            hit = {d for d, i in base.record.documents.items() if i.segment == seg_id}
            base.damaged |= hit
            notes.append(f"{len(hit)} document(s) of segment {seg_id} are loaded again")
    return notes


def drop_damaged(ctx: RefreshContext, serving: int) -> list[str]:
    """Delete every generation record but the serving one that cannot be opened whole."""
    notes = []
    for m in ctx.state.generations():
        if m == serving:
            continue
        try:
            open_generation(
                ctx.state, SegmentPool(ctx.state, map_vectors=False), ctx.server, m
            ).close()
        except GenerationDamaged as exc:
            ctx.drop(m)
            notes.append(f"deleted generation {m}, which was damaged ({exc})")
    if notes:
        notes += collect_garbage(ctx, set(ctx.state.generations()))
    return notes
