"""The read side of the index: one committed generation, opened, checked and searched.

A generation is a record (``manifest.Manifest``) naming documents, each with the key of its
version and the segment holding its rows; the rows of a segment whose document is not in the
record are not live for this generation. Opening a generation checks that it is whole: the
record reads; sources, documents and chunk counts agree; every segment opens (sizes and counts,
``segment``); every document's rows are in its segment; vectors are there (in the segments, or
at least as many rows as chunks in the Chroma collection). ``GenerationDamaged`` says in words
what is not; with ``partial=True`` the damaged parts are left out instead and the generation
remembers why (``degraded``), so a knowledge base with no whole generation still answers from
what is left.

Search: dense is an exact cosine (a matrix product over the segments' unit vectors, or the
Chroma server's nearest rows, see ``vectors``); lexical is BM25 over the live rows (``lexical``).
Filters are one ``Condition``: a mask over this generation's documents computed from their
metadata, and the same test as Chroma ``where`` clauses.

Segments are opened through a ``SegmentPool`` shared by the generations of one knowledge base,
so a new generation opens only the segments it added; a segment is closed when the last
generation using it is closed. What it leaves out: choosing which generation to open and when
to close one (``base``), writing generations (``build``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.knowledge.lexical import bm25_scores
from bot.knowledge.manifest import DocumentInfo, Manifest
from bot.knowledge.models import Chunk, SearchFilters
from bot.knowledge.segment import Segment, SegmentDamaged
from bot.knowledge.state import RecordDamaged, StateStore
from bot.knowledge.vectors import ServerVectors, day_number, row_ids

log = logging.getLogger(__name__)

LOCAL = "local"
_POSITIONS = 1 << 24  # chunks a document may have, for the tie-break key


class GenerationDamaged(Exception):
    """A generation is not whole; ``str()`` says what is wrong, in words."""


class SegmentPool:
    """Open segments by id, shared and reference-counted."""

    def __init__(self, state: StateStore, *, map_vectors: bool = True) -> None:
        self._state = state
        self._map_vectors = map_vectors
        self._open: dict[str, tuple[Segment, int]] = {}
        self._lock = threading.Lock()

    def acquire(self, seg_id: str) -> Segment:
        with self._lock:
            if seg_id in self._open:
                seg, n = self._open[seg_id]
                self._open[seg_id] = (seg, n + 1)
                return seg
        folder = self._state.segment_folder(seg_id)  # may download: outside the lock
        seg = Segment(seg_id, folder, map_vectors=self._map_vectors)
        with self._lock:
            if seg_id in self._open:  # another thread opened it meanwhile
                other, n = self._open[seg_id]
                self._open[seg_id] = (other, n + 1)
                seg.close()
                return other
            self._open[seg_id] = (seg, 1)
            return seg

    def release(self, seg_id: str) -> None:
        with self._lock:
            seg, n = self._open[seg_id]
            if n > 1:
                self._open[seg_id] = (seg, n - 1)
                return
            del self._open[seg_id]
        seg.close()

    def ids(self) -> set[str]:
        with self._lock:
            return set(self._open)


@dataclass
class _Part:
    seg: Segment
    base: int  # first global row of this segment
    gendoc: np.ndarray  # int32 per segment document: index in the generation's documents or -1
    row_gendoc: np.ndarray  # int32 per row, the same
    live: np.ndarray  # bool per row
    row_key: np.ndarray | None = None  # int64 per row: ties broken by (doc id, position)


@dataclass
class Condition:
    """A filter as a mask over the generation's documents and as a Chroma ``where``."""

    doc_mask: np.ndarray  # bool, one per document, plus a trailing False for dead rows
    where: dict[str, Any] | None


class Generation:
    """One committed generation, open for search. Build it with :func:`open_generation`."""

    def __init__(
        self,
        number: int,
        record: Manifest,
        parts: list[_Part],
        doc_ids: list[str],
        *,
        pool: SegmentPool | None = None,
        server: ServerVectors | None = None,
        hidden_rows: int = 0,
        degraded: str = "",
    ) -> None:
        self.number = number
        self.record = record
        self.documents: dict[str, DocumentInfo] = {d: record.documents[d] for d in doc_ids}
        self.doc_ids = doc_ids
        self.degraded = degraded
        self._parts = parts
        self._pool = pool
        self._server = server
        self._hidden = hidden_rows
        self._bases = np.asarray([p.base for p in parts], dtype=np.int64)
        self.size = sum(int(p.live.sum()) for p in parts)
        self._where_doc: dict[str, tuple[int, int]] = {}
        for pi, p in enumerate(parts):
            for i in np.flatnonzero(p.gendoc >= 0):
                self._where_doc[doc_ids[int(p.gendoc[i])]] = (pi, int(i))
        rank = np.empty(len(doc_ids), dtype=np.int64)
        rank[np.argsort(np.asarray(doc_ids, dtype=object), kind="stable")] = np.arange(len(doc_ids))
        for p in parts:
            offset = np.arange(p.seg.rows, dtype=np.int64) - p.seg.doc_start[p.seg.doc_of_row]
            live_rank = rank[np.maximum(p.row_gendoc, 0)] if len(rank) else offset * 0
            p.row_key = np.where(p.live, live_rank * _POSITIONS + offset, np.iinfo(np.int64).max)
        self._row_of_id: dict[str, int] | None = None
        self._meta_arrays: dict[str, np.ndarray] | None = None
        self.readers = 0  # searches running on it (``base`` counts them)
        self.retired = False
        self._closed = False

    @classmethod
    def empty(cls, degraded: str = "") -> Generation:
        return cls(0, Manifest(), [], [], degraded=degraded)

    # --- rows ------------------------------------------------------------------------------
    def _locate(self, row: int) -> tuple[_Part, int]:
        pi = int(np.searchsorted(self._bases, row, side="right")) - 1
        part = self._parts[pi]
        return part, row - part.base

    def chunk(self, row: int) -> Chunk:
        part, local = self._locate(row)
        return part.seg.chunk(local)

    def document_of(self, row: int) -> DocumentInfo:
        part, local = self._locate(row)
        return self.documents[self.doc_ids[int(part.row_gendoc[local])]]

    def span(self, row: int) -> tuple[int, int, int]:
        """(document index, char_start, char_end) of a row, for overlap de-duplication."""
        part, local = self._locate(row)
        start, end = part.seg.spans[local]
        return int(part.row_gendoc[local]), int(start), int(end)

    def find(self, chunk_id: str) -> int | None:
        """The row of a chunk id (ids start with their document's id), None when absent."""
        found = self._where_doc.get(chunk_id.split("-", 1)[0])
        if found is None:
            return None
        part = self._parts[found[0]]
        rows = part.seg.doc_rows(found[1])
        for offset, c in enumerate(part.seg.chunks(rows)):
            if c.chunk_id == chunk_id:
                return part.base + rows.start + offset
        return None

    def section_rows(self, row: int) -> list[int]:
        """The rows of ``row``'s section in document order (``row`` included): its neighbours
        on either side in the same document with the same section path. A document's rows
        are consecutive in one segment, so only that document's chunks are read."""
        part, local = self._locate(row)
        rows = part.seg.doc_rows(int(part.seg.doc_of_row[local]))
        chunks = list(part.seg.chunks(rows))
        at = local - rows.start
        path = chunks[at].section_path
        start, end = at, at
        while start > 0 and chunks[start - 1].section_path == path:
            start -= 1
        while end + 1 < len(chunks) and chunks[end + 1].section_path == path:
            end += 1
        order = sorted(range(start, end + 1), key=lambda i: chunks[i].ordinal)
        return [part.base + rows.start + i for i in order]

    def chunks(self, doc_id: str | None = None) -> Iterator[Chunk]:
        """Every live chunk (or one document's), documents in segment order."""
        for p in self._parts:
            for i in np.flatnonzero(p.gendoc >= 0):
                if doc_id is None or self.doc_ids[int(p.gendoc[i])] == doc_id:
                    yield from p.seg.chunks(p.seg.doc_rows(int(i)))

    # --- filters ---------------------------------------------------------------------------
    def _metadata(self) -> dict[str, np.ndarray]:
        if self._meta_arrays is None:
            infos = [self.documents[d].meta for d in self.doc_ids]
            self._meta_arrays = {
                "region": np.asarray([m.region or "" for m in infos], dtype=object),
                "doc_type": np.asarray([m.doc_type or "" for m in infos], dtype=object),
                "effective": np.asarray([day_number(m.effective_date) for m in infos], np.int64),
                "expiry": np.asarray(
                    [day_number(m.expiry_date) or 99991231 for m in infos], np.int64
                ),
            }
        return self._meta_arrays

    def condition(self, filters: SearchFilters | None) -> Condition | None:
        """The filter as metadata conditions; None when nothing is filtered.

        A region filter keeps the named region, national (全国) documents and documents whose
        region is unknown; ``valid_on`` drops documents known to be not yet in force or expired.
        """
        if filters is None or (filters.region, filters.doc_type, filters.valid_on) == (None,) * 3:
            return None
        arrays = self._metadata()
        mask = np.ones(len(self.doc_ids), dtype=bool)
        where: list[dict[str, Any]] = []
        if filters.region:
            wanted = filters.region
            regions = sorted(
                r
                for r in set(arrays["region"].tolist())
                if not r or r == "全国" or wanted in r or r in wanted
            )
            mask &= np.isin(arrays["region"], regions)
            where.append({"region": {"$in": regions or ["\u0000none"]}})
        if filters.doc_type:
            mask &= arrays["doc_type"] == filters.doc_type
            where.append({"doc_type": filters.doc_type})
        if filters.valid_on:
            day = day_number(filters.valid_on)
            mask &= (arrays["effective"] <= day) & (arrays["expiry"] >= day)
            where += [{"effective": {"$lte": day}}, {"expiry": {"$gte": day}}]
        clause = where[0] if len(where) == 1 else {"$and": where}
        return Condition(doc_mask=np.append(mask, False), where=clause)

    def _mask(self, part: _Part, cond: Condition | None) -> np.ndarray:
        if cond is None:
            return part.live
        return part.live & cond.doc_mask[part.row_gendoc]

    # --- search ----------------------------------------------------------------------------
    def dense(
        self, vector: list[float], n: int, cond: Condition | None = None
    ) -> list[tuple[int, float]]:
        """(row, cosine similarity) of the ``n`` nearest live rows passing ``cond``."""
        if not self.size or n <= 0 or (cond is not None and not cond.doc_mask.any()):
            return []
        if self.record.vectors != LOCAL:
            return self._dense_server(vector, n, cond)
        q = np.asarray(vector, dtype=np.float32)
        q /= np.linalg.norm(q) or 1.0
        best: list[tuple[int, float]] = []
        for p in self._parts:
            if p.seg.vectors is None:
                continue
            mask = self._mask(p, cond)
            if not mask.any():
                continue
            # einsum, not BLAS: one thread, and no busy-waiting BLAS threads on a shared machine
            # (3x less CPU than sgemv for 10k x 384 here, and steadier under load)
            scores = np.einsum("ij,j->i", p.seg.vectors, q)
            scores[~mask] = -np.inf
            best += [(p.base + int(i), float(scores[i])) for i in _top(scores, n, -np.inf)]
        return self._best(best, n)

    def _row_ids(self) -> dict[str, int]:
        if self._row_of_id is None:
            found: dict[str, int] = {}
            for p in self._parts:
                for i in np.flatnonzero(p.gendoc >= 0):
                    rows = p.seg.doc_rows(int(i))
                    ids = row_ids(p.seg.docs[int(i)], len(rows))
                    found.update(
                        zip(ids, range(p.base + rows.start, p.base + rows.stop), strict=True)
                    )
            self._row_of_id = found
        return self._row_of_id

    def _dense_server(
        self, vector: list[float], n: int, cond: Condition | None
    ) -> list[tuple[int, float]]:
        assert self._server is not None
        rows = self._row_ids()
        allowed = None if cond is None else cond.doc_mask
        asked = n + self._hidden
        while True:
            found = self._server.query(
                self.record.vectors, vector, asked, None if cond is None else cond.where
            )
            kept = []
            for rid, cos in found:
                row = rows.get(rid)
                if row is None:
                    continue  # another generation's row
                if allowed is not None and not allowed[self.span(row)[0]]:
                    continue
                kept.append((row, cos))
            if len(kept) >= n or len(found) < asked or asked >= len(rows) + self._hidden + n:
                return kept[:n]
            asked *= 4

    def lexical(
        self, tokens: list[str], n: int, cond: Condition | None = None
    ) -> list[tuple[int, float]]:
        """(row, BM25 score) of the ``n`` best live rows passing ``cond``, scores above 0."""
        if not self.size or n <= 0 or not tokens:
            return []
        scores = bm25_scores([(p.seg.lookup, p.live) for p in self._parts], tokens)
        best: list[tuple[int, float]] = []
        for p, s in zip(self._parts, scores, strict=True):
            if cond is not None:
                s = np.where(self._mask(p, cond), s, 0.0)
            best += [(p.base + int(i), float(s[i])) for i in _top(s, n, 0.0)]
        return self._best(best, n)

    def document_frequencies(self, tokens: list[str]) -> dict[str, int]:
        """How many live rows contain each token, over all segments (tokens no live row has
        are left out): the ``df`` that BM25 uses."""
        counts: dict[str, int] = {}
        for p in self._parts:
            lookup = p.seg.lookup
            for t in dict.fromkeys(tokens):
                found = lookup.slice(t)
                if found is not None:
                    counts[t] = counts.get(t, 0) + int(p.live[found[0]].sum())
        return {t: n for t, n in counts.items() if n}

    def order_keys(self, rows: list[int]) -> list[int]:
        """A key per row from (document id, position in it): ties are broken the same way
        however rows are laid out in segments, so a grown index ranks like a fresh build."""
        at = np.asarray(rows, dtype=np.int64)
        part_of = np.searchsorted(self._bases, at, side="right") - 1
        keys = np.zeros(len(at), dtype=np.int64)
        for pi in np.unique(part_of):
            part = self._parts[int(pi)]
            here = part_of == pi
            assert part.row_key is not None
            keys[here] = part.row_key[at[here] - part.base]
        return keys.tolist()

    def _best(self, found: list[tuple[int, float]], n: int) -> list[tuple[int, float]]:
        if not found:
            return []
        keys = self.order_keys([r for r, _ in found])
        ranked = sorted(zip(found, keys, strict=True), key=lambda x: (-x[0][1], x[1]))
        return [f for f, _ in ranked[:n]]

    def cosines(self, rows: list[int], vector: list[float]) -> dict[int, float]:
        """Cosine similarity of the query and the given rows."""
        if not rows:
            return {}
        q = np.asarray(vector, dtype=np.float32)
        q /= np.linalg.norm(q) or 1.0
        if self.record.vectors == LOCAL:
            out = {}
            for row in rows:
                part, local = self._locate(row)
                if part.seg.vectors is not None:
                    out[row] = float(np.asarray(part.seg.vectors[local]) @ q)
            return out
        assert self._server is not None
        ids = {}
        for row in rows:
            part, local = self._locate(row)
            doc = int(part.seg.doc_of_row[local])
            ids[f"{part.seg.docs[doc]}-{local - int(part.seg.doc_start[doc])}"] = row
        got = self._server.vectors(self.record.vectors, list(ids))
        out = {}
        for rid, e in got.items():
            out[ids[rid]] = float(e @ q / (np.linalg.norm(e) or 1.0))
        return out

    def close(self) -> None:
        """Release the segments (closed when no other generation uses them)."""
        if self._closed:
            return
        self._closed = True
        if self._pool is not None:
            for p in self._parts:
                self._pool.release(p.seg.id)
        self._parts = []


def _top(scores: np.ndarray, n: int, floor: float) -> np.ndarray:
    """Indices of the ``n`` highest scores above ``floor``, and of every score tied with the
    n-th (which of several tied rows is kept must not depend on where rows are stored)."""
    if len(scores) > n:
        kth = np.partition(scores, len(scores) - n)[len(scores) - n]
        floor = max(floor, float(np.nextafter(kth, -np.inf)))
    return np.flatnonzero(scores > floor)


def open_generation(
    state: StateStore,
    pool: SegmentPool,
    server: ServerVectors | None,
    n: int,
    *,
    partial: bool = False,
    record: Manifest | None = None,
) -> Generation:
    """Open generation ``n`` (``record``: its record, when already read); GenerationDamaged
    unless it is whole (or ``partial``)."""
    try:
        record = record or state.read(n)
    except RecordDamaged as exc:
        raise GenerationDamaged(str(exc)) from exc
    problems: list[str] = []
    if record.generation != n:
        raise GenerationDamaged(f"the record of generation {n} says it is {record.generation}")
    indexed = {e.doc_id for e in record.entries if e.status == "indexed"}
    if indexed != set(record.documents):
        problems.append(
            f"generation {n}: {len(indexed)} indexed sources but {len(record.documents)} "
            "documents in its record"
        )
    if sum(d.chunks for d in record.documents.values()) != record.chunks:
        problems.append(f"generation {n}: the documents' chunk counts do not add up")
    if problems and not partial:
        raise GenerationDamaged("; ".join(problems))
    segments: dict[str, Segment] = {}
    try:
        for seg_id in record.segments:
            try:
                segments[seg_id] = pool.acquire(seg_id)
            except SegmentDamaged as exc:
                problems.append(f"segment {seg_id}: {exc}")
        local = record.vectors == LOCAL
        doc_ids: list[str] = []
        index_in_seg: dict[str, dict[str, int]] = {
            s: {key: i for i, key in enumerate(seg.docs)} for s, seg in segments.items()
        }
        for doc_id, info in sorted(record.documents.items(), key=lambda kv: kv[1].path):
            seg = segments.get(info.segment)
            i = index_in_seg.get(info.segment, {}).get(info.key)
            if seg is None or i is None:
                if info.segment in segments:
                    problems.append(f"{info.path}: its rows are not in segment {info.segment}")
                continue
            if len(seg.doc_rows(i)) != info.chunks:
                problems.append(f"{info.path}: {len(seg.doc_rows(i))} rows, {info.chunks} chunks")
                continue
            if local and not seg.dim:
                problems.append(f"segment {info.segment} has no vectors")
                continue
            doc_ids.append(doc_id)
        hidden = 0
        if not local and doc_ids:
            if server is None:
                problems.append(
                    f"generation {n} keeps its vectors on a Chroma server but none is configured"
                )
                doc_ids = []
            else:
                count = server.count(record.vectors)
                live = sum(record.documents[d].chunks for d in doc_ids)
                if count is None:
                    problems.append(f"Chroma collection {record.vectors} does not exist")
                    doc_ids = []
                elif count < live:
                    problems.append(
                        f"Chroma collection {record.vectors} holds {count} vectors for "
                        f"{live} chunks"
                    )
                    if not partial:
                        doc_ids = []
                else:
                    hidden = count - live
        if problems and not partial:
            raise GenerationDamaged("; ".join(problems))
    except BaseException:
        for seg_id in segments:
            pool.release(seg_id)
        raise
    position = {d: i for i, d in enumerate(doc_ids)}
    parts = []
    base = 0
    for seg_id in record.segments:
        seg = segments.get(seg_id)
        if seg is None:
            continue
        gendoc = np.full(len(seg.docs), -1, dtype=np.int32)
        for doc_id in doc_ids:
            info = record.documents[doc_id]
            if info.segment == seg_id:
                gendoc[index_in_seg[seg_id][info.key]] = position[doc_id]
        row_gendoc = gendoc[seg.doc_of_row] if seg.rows else np.zeros(0, np.int32)
        parts.append(_Part(seg, base, gendoc, row_gendoc, row_gendoc >= 0))
        base += seg.rows
    unused = [s for s in segments if s not in {p.seg.id for p in parts}]
    for seg_id in unused:
        pool.release(seg_id)
    return Generation(
        n, record, parts, doc_ids, pool=pool, server=server, hidden_rows=hidden,
        degraded="; ".join(problems),
    )  # fmt: skip
