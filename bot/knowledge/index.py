"""The on-disk index: immutable generations, an atomic CURRENT pointer, Chroma and BM25 stores.

Layout under ``settings.index_dir``::

    CURRENT              "7": the generation that serves queries, replaced with os.replace
    refresh.lock         fcntl lock: one refresh (or remove) at a time
    instance             random id naming this index's collections on a shared Chroma server
    gen-000007/          one complete generation, never modified after CURRENT points at it
        chunks.jsonl     the chunks, row i = BM25 row i
        documents.json   doc_id -> DocumentInfo
        lexical/         the bm25s index
        chroma/          embedded Chroma (absent when chroma_url is set: the collection
                         ``cc-<instance>-gen-7`` lives on the server)
        manifest.json    written last (and rewritten in place by a no-change refresh)

A refresh builds generation N+1 beside N and only then moves CURRENT, so a crash at any point
leaves N untouched and serving; readers notice CURRENT changed and reopen. Generation N is kept
after the switch so queries already running on it finish; older ones, and a crashed refresh's
leftovers, are deleted by the next refresh. Vectors come from the embedding cache, so building a
generation re-embeds only new text.

Chroma is used through the ``chromadb`` client directly rather than ``langchain_chroma``: we
insert vectors computed (and cached) from ``title + section + text`` while storing no text, and we
need the raw cosine distance and ``$in`` filters; LangChain's wrapper would re-embed stored text.
What it leaves out: deciding what to rebuild (``refresh``) and ranking (``retrieval``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from bot.errors import KnowledgeIndexError
from bot.knowledge.lexical import LexicalIndex
from bot.knowledge.manifest import DocumentInfo, Manifest, fsync_dir, load_manifest
from bot.knowledge.manifest import write_atomically as _write_atomically
from bot.knowledge.models import Chunk
from bot.settings import Settings

log = logging.getLogger(__name__)


class IndexLayout:
    """Paths and the pointer/lock protocol of one index folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def gen_dir(self, n: int) -> Path:
        return self.root / f"gen-{n:06d}"

    def current(self) -> int:
        """The generation serving queries; 0 when nothing was ever indexed."""
        try:
            return int((self.root / "CURRENT").read_text(encoding="ascii").strip() or 0)
        except FileNotFoundError:
            return 0
        except ValueError as exc:
            raise KnowledgeIndexError(
                f"{self.root / 'CURRENT'}: damaged pointer ({exc})",
                message_zh=f"{self.root / 'CURRENT'}：索引指针已损坏",
            ) from exc

    def manifest(self) -> Manifest:
        n = self.current()
        if n == 0:
            return Manifest()
        return load_manifest(self.gen_dir(n) / "manifest.json")

    def commit(self, n: int) -> None:
        _write_atomically(self.root / "CURRENT", f"{n}\n")

    def generations(self) -> list[int]:
        found = []
        for path in self.root.glob("gen-*"):
            with contextlib.suppress(ValueError):
                found.append(int(path.name.removeprefix("gen-")))
        return sorted(found)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "refresh.lock", "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise KnowledgeIndexError(
                    f"{self.root}: another refresh is running; try again when it ends",
                    message_zh=f"{self.root}：另一个刷新正在进行，请稍后再试",
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def instance(self) -> str:
        path = self.root / "instance"
        if not path.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, uuid.uuid4().hex[:10])
        return path.read_text(encoding="ascii").strip()


class VectorStore:
    """Chroma: embedded per generation folder, or one collection per generation on a server."""

    def __init__(self, settings: Settings, layout: IndexLayout) -> None:
        self._url = settings.chroma_url
        self._layout = layout
        self._server: Any = None

    @property
    def where(self) -> str:
        return self._url or "embedded"

    def _client(self, gen: int) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self._url is None:
            path = self._layout.gen_dir(gen) / "chroma"
            return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        if self._server is None:
            url = urlparse(self._url)
            self._server = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        return self._server

    def _name(self, gen: int) -> str:
        return f"cc-{self._layout.instance()}-gen-{gen}"

    def create(self, gen: int) -> Any:
        client = self._client(gen)
        with contextlib.suppress(Exception):  # a crashed refresh may have left it behind
            client.delete_collection(self._name(gen))
        return client.create_collection(
            self._name(gen), configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
        )

    def open(self, gen: int) -> Any:
        try:
            return self._client(gen).get_collection(self._name(gen), embedding_function=None)
        except Exception as exc:  # chromadb raises several types for a missing collection
            raise KnowledgeIndexError(
                f"Chroma collection of generation {gen} cannot be opened ({self.where}): {exc}",
                message_zh=f"无法打开第 {gen} 代索引的 Chroma 集合（{self.where}）：{exc}",
            ) from exc

    def drop(self, gen: int) -> None:
        if self._url is not None:
            with contextlib.suppress(Exception):
                self._client(gen).delete_collection(self._name(gen))


def write_generation(
    layout: IndexLayout,
    store: VectorStore,
    manifest: Manifest,
    chunks: list[Chunk],
    documents: dict[str, DocumentInfo],
    vectors: np.ndarray,
    token_lists: list[list[str]],
) -> None:
    """Write generation ``manifest.generation`` completely; the caller then commits it."""
    folder = layout.gen_dir(manifest.generation)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if chunks:
        collection = store.create(manifest.generation)
        step = 1000
        for start in range(0, len(chunks), step):
            part = chunks[start : start + step]
            collection.add(
                ids=[c.chunk_id for c in part],
                embeddings=vectors[start : start + step],
                metadatas=[{"doc_id": c.doc_id} for c in part],
            )
    LexicalIndex.build(token_lists).save(folder / "lexical")
    with open(folder / "chunks.jsonl", "w", encoding="utf-8") as fh:
        for c in chunks:
            fh.write(c.model_dump_json() + "\n")
    docs_json = json.dumps(
        {k: v.model_dump(mode="json") for k, v in documents.items()}, ensure_ascii=False
    )
    (folder / "documents.json").write_text(docs_json, encoding="utf-8")
    _write_atomically(folder / "manifest.json", manifest.model_dump_json(indent=1))
    fsync_dir(folder)


def drop_old_generations(layout: IndexLayout, store: VectorStore, keep: set[int]) -> None:
    """Delete every generation folder (and server collection) not in ``keep``."""
    for n in layout.generations():
        if n not in keep:
            log.info("removing old index generation %d", n)
            store.drop(n)
            shutil.rmtree(layout.gen_dir(n), ignore_errors=True)


def read_chunk_store(folder: Path) -> tuple[list[Chunk], dict[str, DocumentInfo]]:
    """The chunks (in row order) and documents of the generation in ``folder``."""
    with open(folder / "chunks.jsonl", encoding="utf-8") as fh:
        chunks = [Chunk.model_validate_json(line) for line in fh if line.strip()]
    raw = json.loads((folder / "documents.json").read_text(encoding="utf-8"))
    return chunks, {k: DocumentInfo.model_validate(v) for k, v in raw.items()}


class Generation:
    """Read side of one committed generation: chunks, documents, BM25 and the Chroma collection."""

    def __init__(self, layout: IndexLayout, store: VectorStore, n: int) -> None:
        self.number = n
        folder = layout.gen_dir(n)
        self.chunks, self.documents = read_chunk_store(folder) if n else ([], {})
        self.row_of = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        doc_ids = sorted(self.documents)
        self._doc_index = {d: i for i, d in enumerate(doc_ids)}
        self._row_doc = np.array([self._doc_index[c.doc_id] for c in self.chunks], dtype=np.int32)
        self.lexical = LexicalIndex.load(folder / "lexical") if n else LexicalIndex(None, 0)
        self._store = store
        self._collection: Any = None

    def section_rows(self, row: int) -> list[int]:
        """The rows of the chunks of ``row``'s section, in document order (``row`` included):
        the neighbours on either side with the same document and section path."""
        chunk = self.chunks[row]

        def same(r: int) -> bool:
            c = self.chunks[r]
            return c.doc_id == chunk.doc_id and c.section_path == chunk.section_path

        start, end = row, row
        while start > 0 and same(start - 1):
            start -= 1
        while end + 1 < len(self.chunks) and same(end + 1):
            end += 1
        rows = list(range(start, end + 1))
        return sorted(rows, key=lambda r: self.chunks[r].ordinal)

    def collection(self) -> Any:
        if self._collection is None:
            self._collection = self._store.open(self.number)
        return self._collection

    def dense(
        self, vector: list[float], n: int, doc_ids: set[str] | None
    ) -> list[tuple[int, float]]:
        """(row, cosine similarity) of the ``n`` nearest chunks."""
        if not self.chunks or (doc_ids is not None and not doc_ids):
            return []
        where = {"doc_id": {"$in": sorted(doc_ids)}} if doc_ids is not None else None
        found = self.collection().query(
            query_embeddings=[vector],
            n_results=min(n, len(self.chunks)),
            where=where,
            include=["distances"],
        )
        ids, distances = found["ids"][0], found["distances"][0]
        return [(self.row_of[i], 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def lexical_top(
        self, tokens: list[str], n: int, doc_ids: set[str] | None
    ) -> list[tuple[int, float]]:
        """(row, BM25 score) of the ``n`` best chunks with a positive score."""
        scores = self.lexical.scores(tokens)
        if scores.size == 0:
            return []
        if doc_ids is not None:
            allowed = np.array([self._doc_index[d] for d in doc_ids if d in self._doc_index])
            scores = np.where(np.isin(self._row_doc, allowed), scores, 0.0)
        n = min(n, scores.size)
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def cosines(self, rows: list[int], vector: list[float]) -> dict[int, float]:
        """Cosine similarity of the query and the given chunks (their vectors from Chroma)."""
        if not rows:
            return {}
        got = self.collection().get(
            ids=[self.chunks[r].chunk_id for r in rows], include=["embeddings"]
        )
        q = np.asarray(vector, dtype=np.float32)
        out = {}
        for cid, emb in zip(got["ids"], got["embeddings"], strict=True):
            e = np.asarray(emb, dtype=np.float32)
            out[self.row_of[cid]] = float(e @ q / (np.linalg.norm(e) * np.linalg.norm(q) or 1.0))
        return out
