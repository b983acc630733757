"""Writing the next generation: new segments for loaded documents, carried rows for the others.

A ``Builder`` is given, one by one, the documents a refresh loaded. A document whose key (a
digest of the index configuration, its metadata and its chunks) is already live in the base
generation is carried over: its rows stay where they are, so nothing is tokenised, embedded or
copied. Every other document is buffered; every ``BATCH_ROWS`` rows the buffer becomes a new
segment (jieba tokens, postings, vectors through the embedding cache in bounded batches), so a
full build holds one batch in memory, not the knowledge base. A document whose passages cannot
be embedded is left out and reported (``failed``); the refresh decides what stays in its place.

``finish`` lists the segments still used, merges small ones (``plan_merges``: eight segments of
a size tier become one, and a segment mostly made of rows no longer served is rewritten) and
writes the record; the refresh then commits it. With vectors on a Chroma server, rows are
journaled as pending before they are added, and documents carried into a collection that does
not have their rows yet (a copied home, a deleted collection) get them from the cache.
What it leaves out: what changed (``refresh``), leftovers and garbage (``upkeep``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.knowledge.batches import BatchPolicy, embed_in_batches
from bot.knowledge.index import LOCAL, SegmentPool
from bot.knowledge.lexical import ChineseTokenizer
from bot.knowledge.manifest import DocumentInfo, Manifest, SourceEntry
from bot.knowledge.models import Chunk, SourceDocument
from bot.knowledge.segment import DocumentRows, Segment, merge, write_segment
from bot.knowledge.state import StateStore
from bot.knowledge.vectors import ServerVectors, collection_name, row_ids, row_metadata
from bot.settings import Settings

log = logging.getLogger(__name__)

BATCH_ROWS = 4000  # rows per new segment while building: bounds a full build's memory
MERGE_FACTOR = 8  # this many segments of one size tier are merged into one
TIER_FLOOR = 2000  # segments below this many rows are all tier 0
DEAD_SHARE = 0.5  # a segment of at least MIN_REWRITE rows, half not served, is rewritten
MIN_REWRITE = 200


@dataclass
class RefreshContext:
    """Everything a refresh needs, built by ``KnowledgeBase``."""

    settings: Settings
    state: StateStore
    server: ServerVectors | None
    embeddings: Callable[[], Embeddings]  # called only when something must be embedded
    tokenizer: ChineseTokenizer
    embedding_id: str
    records: dict[int, Manifest] = field(default_factory=dict)  # read or written meanwhile

    def read(self, n: int) -> Manifest:
        """Generation ``n``'s record, parsed once per refresh (at 50k chunks a parse is
        ~0.1 s, and a refresh looks at a record several times). Raises RecordDamaged."""
        if n not in self.records:
            self.records[n] = self.state.read(n)
        return self.records[n]

    def write(self, record: Manifest) -> None:
        self.state.write(record)
        self.records[record.generation] = record

    def drop(self, n: int) -> None:
        self.state.drop(n)
        self.records.pop(n, None)

    def config(self) -> dict[str, str]:
        s = self.settings
        return {
            "chunking": f"{s.chunk_tokens}/{s.chunk_overlap}",
            "embedding": self.embedding_id,
            "tokenizer": hashlib.sha256(self.tokenizer.signature.encode()).hexdigest()[:16],
            "vectors": "server" if self.server is not None else LOCAL,
        }

    def collection(self) -> str:
        """Where this knowledge base's vectors go: "local" or its own Chroma collection."""
        if self.server is None:
            return LOCAL
        return collection_name(self.state.kb_id(), self.embedding_id)

    def policy(self) -> BatchPolicy:
        s = self.settings
        return BatchPolicy(s.embedding_batch, s.embedding_retries, s.embedding_backoff_s)


def passage_text(doc: DocumentInfo, chunk: Chunk) -> str:
    """What is embedded and BM25-indexed for a chunk: title and section give it context."""
    parts = [doc.title, *(p for p in chunk.section_path if p != doc.title)]
    head = " / ".join(p for p in parts if p)
    return f"{head}\n{chunk.text}" if head else chunk.text


def doc_key(config: dict[str, str], info: DocumentInfo, chunks: list[Chunk]) -> str:
    """Digest of everything a document's rows depend on (not its path: a rename is free)."""
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    head = info.model_dump(mode="json", include={"doc_id", "file_type", "title", "meta"})
    digest.update(json.dumps(head, sort_keys=True, ensure_ascii=False).encode())
    for c in chunks:
        digest.update(c.model_dump_json().encode())
    return digest.hexdigest()[:20]


def document_info(doc: SourceDocument, path: str, chunks: list[Chunk]) -> DocumentInfo:
    title = doc.meta.title or Path(doc.path).stem
    return DocumentInfo(
        doc_id=doc.doc_id, path=path, file_type=doc.file_type, title=title, meta=doc.meta,
        chunks=len(chunks),
    )  # fmt: skip


def plan_merges(sizes: dict[str, tuple[int, int]]) -> list[list[str]]:
    """Groups of segments to merge, from each segment's (live rows, all rows)."""
    tiers: dict[int, list[str]] = {}
    groups: list[list[str]] = []
    for seg_id, (live, total) in sizes.items():
        if total >= MIN_REWRITE and live < total * DEAD_SHARE:
            groups.append([seg_id])  # mostly dead: rewrite it alone
            continue
        tier = 0 if live < TIER_FLOOR else 1 + int(math.log(live / TIER_FLOOR, MERGE_FACTOR))
        tiers.setdefault(tier, []).append(seg_id)
    groups += [segs for _, segs in sorted(tiers.items()) if len(segs) >= MERGE_FACTOR]
    return groups


@dataclass
class Builder:
    """Collects the next generation's documents; see the module docstring."""

    ctx: RefreshContext
    base: Manifest
    damaged: set[str]  # doc ids of the base whose rows cannot be read
    vectors_whole: bool  # the base's vectors are all in ctx.collection()
    infos: dict[str, DocumentInfo] = field(default_factory=dict)  # doc id -> built or carried
    failed: dict[str, str] = field(default_factory=dict)  # doc id -> reason
    new_segments: list[str] = field(default_factory=list)
    embedded: int = 0
    merged: int = 0

    pool: SegmentPool | None = None

    def __post_init__(self) -> None:
        self.config = self.ctx.config()
        self.collection = self.ctx.collection()
        if self.pool is None:
            self.pool = SegmentPool(self.ctx.state, map_vectors=False)
        self._live = {
            info.key: info
            for doc_id, info in self.base.documents.items()
            if doc_id not in self.damaged and self.base.config == self.config
        }
        self._buffer: list[tuple[DocumentInfo, list[Chunk]]] = []
        self._rows = 0
        self._opened: dict[str, Segment] = {}

    # --- documents in ----------------------------------------------------------------------
    def add(self, info: DocumentInfo, chunks: list[Chunk]) -> None:
        """A loaded document: carried when its key is live in the base, else buffered."""
        info = info.model_copy(update={"key": doc_key(self.config, info, chunks)})
        same = self._live.get(info.key)
        if same is not None:
            self.infos[info.doc_id] = same.model_copy(update={"path": info.path})
            return
        self._buffer.append((info, chunks))
        self._rows += len(chunks)
        if self._rows >= BATCH_ROWS:
            self.flush()

    def carry(self, doc_id: str, path: str) -> None:
        """Keep a base document as it is (its path may have changed)."""
        self.infos[doc_id] = self.base.documents[doc_id].model_copy(update={"path": path})

    def flush(self) -> None:
        """Turn the buffered documents into one new segment."""
        buffered, self._buffer, self._rows = self._buffer, [], 0
        if not buffered:
            return
        texts: list[str] = []
        owner: list[int] = []
        for n, (info, chunks) in enumerate(buffered):
            texts += [passage_text(info, c) for c in chunks]
            owner += [n] * len(chunks)
        model = self.ctx.embeddings()
        before = getattr(model, "embedded", 0)
        result = embed_in_batches(model, texts, self.ctx.policy(), owners=owner)
        self.embedded += getattr(model, "embedded", before + len(result.vectors)) - before
        bad = {owner[i]: why for i, why in sorted(result.failures.items(), reverse=True)}
        rows: list[DocumentRows] = []
        kept: list[tuple[DocumentInfo, np.ndarray]] = []
        start = 0
        for n, (info, chunks) in enumerate(buffered):
            span = range(start, start + len(chunks))
            start += len(chunks)
            if n in bad:
                self.failed[info.doc_id] = bad[n]
                continue
            vectors = np.stack([result.vectors[i] for i in span])
            tokens = [self.ctx.tokenizer.tokens(texts[i]) for i in span]
            local = vectors if self.collection == LOCAL else None
            rows.append(DocumentRows(info.key, chunks, tokens, local))
            kept.append((info, vectors))
        if not rows:
            return
        if self.collection != LOCAL:
            self._add_to_server(kept)
        seg_id, tmp, final = self.ctx.state.new_segment()
        write_segment(tmp, final, rows)
        self.ctx.state.publish(seg_id)
        self.new_segments.append(seg_id)
        for info, _ in kept:
            info.segment = seg_id
            self.infos[info.doc_id] = info

    def _add_to_server(self, docs: list[tuple[DocumentInfo, np.ndarray]]) -> None:
        """Journal the rows as pending (so a killed refresh's rows are found), then add them."""
        assert self.ctx.server is not None
        state = self.ctx.state
        state.set_pending(
            [*state.pending(), *([self.collection, i.key, i.chunks] for i, _ in docs)]
        )
        ids: list[str] = []
        metadatas = []
        for info, _ in docs:
            ids += row_ids(info.key, info.chunks)
            metadatas += [row_metadata(info.doc_id, info.meta)] * info.chunks
        vectors = np.concatenate([v for _, v in docs])
        self.ctx.server.add(self.collection, ids, vectors, metadatas)

    # --- vectors of carried documents on a server -------------------------------------------
    def ensure_vectors(self, doc_ids: Iterable[str]) -> list[str]:
        """Give carried documents their rows in this knowledge base's collection (vectors from
        the embedding cache); returns the documents that could not be given them."""
        server = self.ctx.server
        if server is None:
            return []
        lost: list[str] = []
        todo: list[tuple[DocumentInfo, list[str]]] = []
        for doc_id in doc_ids:
            info = self.infos[doc_id]
            ids = row_ids(info.key, info.chunks)
            if len(server.existing(self.collection, ids)) == len(ids):
                continue
            seg = self.segment(info.segment)
            rows = seg.doc_rows(seg.docs.index(info.key))
            todo.append((info, [passage_text(info, c) for c in seg.chunks(rows)]))
        if not todo:
            return lost
        texts = [t for _, ts in todo for t in ts]
        owners = [n for n, (_, ts) in enumerate(todo) for _ in ts]
        result = embed_in_batches(self.ctx.embeddings(), texts, self.ctx.policy(), owners=owners)
        ready: list[tuple[DocumentInfo, np.ndarray]] = []
        start = 0
        for info, ts in todo:
            span = range(start, start + len(ts))
            start += len(ts)
            why = next((result.failures[i] for i in span if i in result.failures), None)
            if why is not None:
                self.failed[info.doc_id] = why
                lost.append(info.doc_id)
                continue
            ready.append((info, np.stack([result.vectors[i] for i in span])))
        if ready:
            self._add_to_server(ready)
        return lost

    def segment(self, seg_id: str) -> Segment:
        assert self.pool is not None
        if seg_id not in self._opened:
            self._opened[seg_id] = self.pool.acquire(seg_id)
        return self._opened[seg_id]

    # --- the record -------------------------------------------------------------------------
    def finish(
        self, number: int, entries: list[SourceEntry], refreshed_at: datetime | None
    ) -> Manifest:
        """Flush, merge, and write generation ``number``'s record (not yet committed)."""
        self.flush()
        documents = {e.doc_id: self.infos[e.doc_id] for e in entries if e.status == "indexed"}
        self._merge(documents)
        used = {info.segment for info in documents.values()}
        order = [s for s in [*self.base.segments, *self.new_segments] if s in used]
        record = Manifest(
            generation=number,
            config=self.config,
            entries=sorted(entries, key=lambda e: e.path),
            refreshed_at=refreshed_at,
            documents=documents,
            segments=list(dict.fromkeys(order)),
            vectors=self.collection,
            chunks=sum(d.chunks for d in documents.values()),
        )
        self.ctx.write(record)
        return record

    def _merge(self, documents: dict[str, DocumentInfo]) -> None:
        for _ in range(4):  # a merge can fill the next tier: a few rounds at most
            live: dict[str, set[str]] = {}
            for info in documents.values():
                live.setdefault(info.segment, set()).add(info.key)
            sizes = {}
            for seg_id, keys in live.items():
                seg = self.segment(seg_id)
                rows = sum(len(seg.doc_rows(i)) for i, k in enumerate(seg.docs) if k in keys)
                sizes[seg_id] = (rows, seg.rows)
            groups = plan_merges(sizes)
            if not groups:
                return
            for group in groups:
                parts = []
                for seg_id in group:
                    seg = self.segment(seg_id)
                    mask = np.asarray([k in live[seg_id] for k in seg.docs], dtype=bool)
                    parts.append((seg, mask))
                new_id, tmp, final = self.ctx.state.new_segment()
                merge(tmp, final, parts)
                self.ctx.state.publish(new_id)
                self.new_segments.append(new_id)
                self.merged += 1
                moved = {k for seg_id in group for k in live[seg_id]}
                for doc_id, info in documents.items():
                    if info.segment in group and info.key in moved:
                        documents[doc_id] = info.model_copy(update={"segment": new_id})
                        self.infos[doc_id] = documents[doc_id]
                log.info("merged %d segments into %s", len(group), new_id)

    def close(self) -> None:
        assert self.pool is not None
        for seg_id in self._opened:
            self.pool.release(seg_id)
        self._opened = {}
