"""Index segments: immutable folders holding the chunks, postings and vectors of some documents.

A refresh writes the documents it loaded into one new segment (or a few, so memory stays flat
on a full build) and carries every unchanged document over by pointing at the segment it is
already in; a generation is the list of segments plus which documents of them are live. A
segment is never changed after it is written, so readers on an older generation keep reading
it while a refresh runs, and a crash leaves at worst a segment nobody points at.

Files of ``segments/<id>/`` (rows are chunks, grouped by document, in document order)::

    chunks.jsonl   one ``Chunk`` JSON a row (every field the loaders set flows through)
    offsets.npy    int64, rows + 1: byte offset of each row in chunks.jsonl
    docs.json      the documents' keys, in row order; doc_start.npy (int64, docs + 1) their rows
    spans.npy      int32 (rows, 2): char_start, char_end (for overlap de-duplication)
    lengths.npy    int32: BM25 length (tokens) of each row
    terms.json     the vocabulary; indptr.npy, post_rows.npy, post_tf.npy the postings
    vectors.npy    float32 (rows, dim), unit length; absent when the vectors live on a server
    meta.json      written last: row and document counts, every file's size and sha256

Opening checks sizes and counts (cheap: a truncated or missing file is found at once); ``verify``
also recomputes the checksums. Postings and vectors are memory-mapped, so the page cache is
shared by every process on the machine and nothing is read that a query does not touch.
``merge`` rewrites the live rows of several segments into one without re-tokenising or
re-embedding anything. What it leaves out: which segments a generation uses (``index``,
``build``), scoring (``lexical``, ``retrieval``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from bot.knowledge.lexical import Postings, TermLookup, build_postings
from bot.knowledge.manifest import fsync_dir
from bot.knowledge.models import Chunk

FORMAT = 1
_ARRAYS = ("offsets", "doc_start", "spans", "lengths", "indptr", "post_rows", "post_tf")
_MAPPED = ("post_rows", "post_tf")  # the big ones: mapped, not read


class SegmentDamaged(Exception):
    """A segment's files are missing, truncated or inconsistent; ``str()`` says which."""


@dataclass
class DocumentRows:
    """One document as a refresh hands it to a new segment."""

    key: str
    chunks: list[Chunk]
    tokens: list[list[str]]
    vectors: np.ndarray | None  # (len(chunks), dim), unit length; None when kept on a server


def _save_array(folder: Path, name: str, array: np.ndarray) -> None:
    with open(folder / f"{name}.npy", "wb") as fh:
        np.save(fh, np.ascontiguousarray(array), allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())


def _save_json(folder: Path, name: str, value: Any) -> None:
    with open(folder / name, "w", encoding="utf-8") as fh:
        json.dump(value, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _finish(tmp: Path, final: Path, rows: int, docs: int, dim: int) -> None:
    """Write meta.json (sizes and checksums of everything else), then move into place."""
    files = {p.name: [p.stat().st_size, _sha256(p)] for p in sorted(tmp.iterdir())}
    meta = {"format": FORMAT, "rows": rows, "docs": docs, "dim": dim, "files": files}
    _save_json(tmp, "meta.json", meta)
    fsync_dir(tmp)
    os.replace(tmp, final)
    fsync_dir(final.parent)


class _VectorWriter:
    """Appends float32 rows to an .npy file whose row count is known up front."""

    def __init__(self, path: Path, rows: int, dim: int) -> None:
        self._fh: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed in close()
        header = {"descr": "<f4", "fortran_order": False, "shape": (rows, dim)}
        np.lib.format.write_array_header_2_0(self._fh, header)
        self._left = rows

    def write(self, block: np.ndarray) -> None:
        self._left -= len(block)
        self._fh.write(np.ascontiguousarray(block, dtype="<f4").tobytes())

    def close(self) -> None:
        assert self._left == 0, "vector rows written do not match the header"
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()


def write_segment(tmp: Path, final: Path, documents: Sequence[DocumentRows]) -> None:
    """Write a new segment of ``documents`` into ``tmp``, then rename it to ``final``."""
    tmp.mkdir(parents=True)
    offsets = [0]
    spans: list[tuple[int, int]] = []
    tokens: list[list[str]] = []
    doc_start = [0]
    with open(tmp / "chunks.jsonl", "wb") as fh:
        for doc in documents:
            for c in doc.chunks:
                line = (c.model_dump_json() + "\n").encode("utf-8")
                fh.write(line)
                offsets.append(offsets[-1] + len(line))
                spans.append((c.char_start, c.char_end))
            tokens.extend(doc.tokens)
            doc_start.append(doc_start[-1] + len(doc.chunks))
        fh.flush()
        os.fsync(fh.fileno())
    rows = doc_start[-1]
    _save_json(tmp, "docs.json", [d.key for d in documents])
    _save_array(tmp, "offsets", np.asarray(offsets, dtype=np.int64))
    _save_array(tmp, "doc_start", np.asarray(doc_start, dtype=np.int64))
    _save_array(tmp, "spans", np.asarray(spans, dtype=np.int32).reshape(rows, 2))
    _write_postings(tmp, build_postings(tokens))
    dim = 0
    with_vectors = [d.vectors for d in documents if d.vectors is not None]
    if with_vectors:
        dim = int(with_vectors[0].shape[1])
        writer = _VectorWriter(tmp / "vectors.npy", rows, dim)
        for block in with_vectors:
            writer.write(block)
        writer.close()
    _finish(tmp, final, rows, len(documents), dim)


def _write_postings(folder: Path, postings: Postings) -> None:
    _save_json(folder, "terms.json", postings.terms)
    _save_array(folder, "indptr", postings.indptr)
    _save_array(folder, "post_rows", postings.rows)
    _save_array(folder, "post_tf", postings.tf)
    _save_array(folder, "lengths", postings.lengths)


def _load(path: Path, mapped: bool) -> np.ndarray:
    if not mapped:
        return np.load(path, allow_pickle=False)
    # a plain ndarray view of the map: slicing a np.memmap costs a Python object each time
    return np.load(path, mmap_mode="r", allow_pickle=False).view(np.ndarray)


class Segment:
    """Read side of one segment folder. ``close`` drops the maps and the chunk file."""

    def __init__(self, seg_id: str, folder: Path, *, map_vectors: bool = True) -> None:
        self.id = seg_id
        self.folder = folder
        self._fd: int | None = None
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            self.meta: dict[str, Any] = meta
            for name, (size, _) in meta["files"].items():
                got = (folder / name).stat().st_size
                if got != size:
                    raise SegmentDamaged(f"{folder / name}: {got} bytes, {size} expected")
            self.rows = int(meta["rows"])
            self.dim = int(meta["dim"])
            self.docs: list[str] = json.loads((folder / "docs.json").read_text("utf-8"))
            arrays = {n: _load(folder / f"{n}.npy", n in _MAPPED) for n in _ARRAYS}
        except SegmentDamaged:
            raise
        except FileNotFoundError as exc:
            raise SegmentDamaged(f"{exc.filename or folder}: file missing") from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SegmentDamaged(f"{folder}: unreadable ({type(exc).__name__}: {exc})") from exc
        self.offsets = arrays["offsets"]
        self.doc_start = arrays["doc_start"]
        self.spans = arrays["spans"]
        self._postings_arrays = arrays
        self._lookup: TermLookup | None = None
        if len(self.offsets) != self.rows + 1 or len(self.doc_start) != len(self.docs) + 1:
            raise SegmentDamaged(f"{folder}: row counts disagree with meta.json")
        if int(self.doc_start[-1]) != self.rows or int(self.offsets[-1]) != int(
            meta["files"]["chunks.jsonl"][0]
        ):
            raise SegmentDamaged(f"{folder}: chunks.jsonl does not match its offsets")
        self.vectors: np.ndarray | None = None
        if self.dim and map_vectors:
            self.vectors = _load(folder / "vectors.npy", True)
            if self.vectors.shape != (self.rows, self.dim):
                raise SegmentDamaged(f"{folder}: vectors.npy has the wrong shape")
        self.doc_of_row = np.repeat(
            np.arange(len(self.docs), dtype=np.int32), np.diff(self.doc_start)
        )
        self._fd = os.open(folder / "chunks.jsonl", os.O_RDONLY)

    @property
    def lookup(self) -> TermLookup:
        """The postings with their vocabulary (read on first lexical query)."""
        if self._lookup is None:
            a = self._postings_arrays
            terms = json.loads((self.folder / "terms.json").read_text(encoding="utf-8"))
            if len(terms) + 1 != len(a["indptr"]):
                raise SegmentDamaged(f"{self.folder}: terms.json does not match the postings")
            self._lookup = TermLookup(
                Postings(terms, a["indptr"], a["post_rows"], a["post_tf"], a["lengths"])
            )
        return self._lookup

    @property
    def lengths(self) -> np.ndarray:
        return self._postings_arrays["lengths"]

    def doc_rows(self, i: int) -> range:
        return range(int(self.doc_start[i]), int(self.doc_start[i + 1]))

    def chunk_bytes(self, start: int, stop: int) -> bytes:
        """The chunks.jsonl lines of rows ``start..stop-1``."""
        if self._fd is None:
            raise SegmentDamaged(f"{self.folder}: segment already closed")
        a, b = int(self.offsets[start]), int(self.offsets[stop])
        return os.pread(self._fd, b - a, a)

    def chunk(self, row: int) -> Chunk:
        try:
            return Chunk.model_validate_json(self.chunk_bytes(row, row + 1))
        except ValueError as exc:
            raise SegmentDamaged(f"{self.folder}: row {row} of chunks.jsonl: {exc}") from exc

    def chunks(self, rows: range) -> Iterator[Chunk]:
        data = self.chunk_bytes(rows.start, rows.stop)
        for line in data.splitlines():
            yield Chunk.model_validate_json(line)

    def read_vectors(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start..stop-1`` of vectors.npy read from the file (not mapped)."""
        with open(self.folder / "vectors.npy", "rb") as fh:
            fmt = np.lib.format
            if fmt.read_magic(fh) == (1, 0):
                fmt.read_array_header_1_0(fh)
            else:
                fmt.read_array_header_2_0(fh)
            fh.seek(start * self.dim * 4, os.SEEK_CUR)
            data = np.fromfile(fh, dtype="<f4", count=(stop - start) * self.dim)
        return data.reshape(stop - start, self.dim)

    def verify(self) -> list[str]:
        """Checksum every file against meta.json; the problems, in words."""
        problems = []
        for name, (_, digest) in self.meta["files"].items():
            if _sha256(self.folder / name) != digest:
                problems.append(f"{self.folder / name}: checksum differs from meta.json")
        return problems

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        # dropping the references unmaps the arrays (numpy keeps no other reference)
        self.vectors = None
        self._lookup = None
        self._postings_arrays = {}


def merge(tmp: Path, final: Path, parts: Sequence[tuple[Segment, np.ndarray]]) -> None:
    """Write the live documents of ``parts`` (segment, bool mask over its docs) as one segment.

    Chunk lines are copied as bytes, postings re-numbered, vectors copied block by block: nothing
    is tokenised or embedded again, and no segment's vectors are held in memory whole.
    """
    tmp.mkdir(parents=True)
    keys: list[str] = []
    offsets = [0]
    doc_start = [0]
    spans, lengths = [], []
    runs: list[tuple[Segment, int, int]] = []  # (segment, first row, end row) kept, in order
    with open(tmp / "chunks.jsonl", "wb") as fh:
        for seg, live in parts:
            for i in np.flatnonzero(live):
                r = seg.doc_rows(int(i))
                data = seg.chunk_bytes(r.start, r.stop)
                fh.write(data)
                base = offsets[-1] - int(seg.offsets[r.start])
                offsets.extend(int(o) + base for o in seg.offsets[r.start + 1 : r.stop + 1])
                doc_start.append(doc_start[-1] + len(r))
                keys.append(seg.docs[int(i)])
                runs.append((seg, r.start, r.stop))
            rows_live = np.repeat(live, np.diff(seg.doc_start))
            spans.append(np.asarray(seg.spans)[rows_live])
            lengths.append(np.asarray(seg.lengths)[rows_live])
        fh.flush()
        os.fsync(fh.fileno())
    rows = doc_start[-1]
    _save_json(tmp, "docs.json", keys)
    _save_array(tmp, "offsets", np.asarray(offsets, dtype=np.int64))
    _save_array(tmp, "doc_start", np.asarray(doc_start, dtype=np.int64))
    _save_array(tmp, "spans", np.concatenate(spans).reshape(rows, 2))
    _write_postings(tmp, _merge_postings(parts, np.concatenate(lengths)))
    dims = {seg.dim for seg, _ in parts}
    dim = dims.pop() if len(dims) == 1 else 0
    if dim:
        writer = _VectorWriter(tmp / "vectors.npy", rows, dim)
        for seg, start, stop in runs:
            writer.write(seg.read_vectors(start, stop))
        writer.close()
    _finish(tmp, final, rows, len(keys), dim)


def _merge_postings(parts: Sequence[tuple[Segment, np.ndarray]], lengths: np.ndarray) -> Postings:
    vocab: dict[str, int] = {}
    term_parts, row_parts, tf_parts = [], [], []
    base = 0
    for seg, live in parts:
        p = seg.lookup.postings
        rows_live = np.repeat(live, np.diff(seg.doc_start))
        new_row = (np.cumsum(rows_live, dtype=np.int64) - 1 + base).astype(np.int32)
        remap = np.fromiter(
            (vocab.setdefault(t, len(vocab)) for t in p.terms), dtype=np.int32, count=len(p.terms)
        )
        term_of = np.repeat(remap, np.diff(p.indptr))
        keep = rows_live[p.rows]
        term_parts.append(term_of[keep])
        row_parts.append(new_row[p.rows[keep]])
        tf_parts.append(np.asarray(p.tf)[keep])
        base += int(rows_live.sum())
    terms = np.concatenate(term_parts) if term_parts else np.zeros(0, np.int32)
    order = np.argsort(terms, kind="stable")  # segments in order: rows stay ascending
    counts = np.bincount(terms, minlength=len(vocab))
    used = counts > 0  # terms only dead rows had are dropped
    indptr = np.zeros(int(used.sum()) + 1, dtype=np.int64)
    np.cumsum(counts[used], out=indptr[1:])
    names = [t for t, u in zip(vocab, used, strict=True) if u]
    return Postings(
        terms=names,
        indptr=indptr,
        rows=np.concatenate(row_parts).astype(np.int32)[order],
        tf=np.concatenate(tf_parts).astype(np.int32)[order],
        lengths=lengths.astype(np.int32),
    )


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
