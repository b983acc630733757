"""Vectors on a Chroma server: one collection per knowledge base and embedding model.

Without ``chroma_url`` vectors live in the segments (``segment``) and dense search is an exact
matrix product (``index``): embedded Chroma cannot be shared by a ``serve`` process and a
refresh in another process, and copying its whole folder for every generation is the cost a
refresh must not have. With a server, the server is the shared store, used like this:

* The collection is ``cc-<kb id>-<digest of the embedding model>``. The kb id is random per
  knowledge base (in PostgreSQL, or in the home's ``instance`` file, which a copied home
  replaces with its own), so two knowledge bases never share or delete each other's collection.
* A row's id is ``<document key>-<n>``, the n-th chunk of a document version. Rows of unchanged
  documents stay; a refresh adds only new documents' rows (journaled first as *pending*, so a
  killed refresh's rows are deleted by the next one) and deletes rows no kept generation uses.
* A generation sees only its own rows: results of other documents (a refresh adding rows right
  now, or rows kept for the previous generation) are dropped and the query repeated with a
  larger ``n_results`` when too few remain. Filters are metadata conditions of the query
  (region, document type, validity dates), never lists of ids.

Chroma is used through the ``chromadb`` client directly rather than ``langchain_chroma``: we
insert vectors computed (and cached) from ``title + section + text`` and store no text, and we
need the raw cosine distance; LangChain's wrapper would re-embed stored text.
What it leaves out: which rows a generation uses (``index``), writing them (``build``).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlparse

import numpy as np

from bot.errors import KnowledgeIndexError

log = logging.getLogger(__name__)

_ADD_BATCH = 500
_NEVER = 99991231  # expiry of a document with no known end


def collection_name(kb_id: str, embedding_id: str) -> str:
    digest = hashlib.sha256(embedding_id.encode("utf-8")).hexdigest()[:10]
    return f"cc-{kb_id}-{digest}"


def row_ids(key: str, count: int) -> list[str]:
    return [f"{key}-{i}" for i in range(count)]


def day_number(day: Any) -> int:
    return day.year * 10000 + day.month * 100 + day.day if day else 0


class ServerVectors:
    """A Chroma ``HttpClient`` and the collections this knowledge base owns on it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client: Any = None
        self._collections: dict[str, Any] = {}

    def _error(self, exc: Exception, doing: str) -> KnowledgeIndexError:
        return KnowledgeIndexError(
            f"Chroma server {self.url}: {doing} failed ({type(exc).__name__}: {exc})",
            message_zh=f"Chroma 服务器 {self.url}：{doing}失败（{type(exc).__name__}）",
        )

    def client(self) -> Any:
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            url = urlparse(self.url)
            try:
                self._client = chromadb.HttpClient(
                    host=url.hostname or "127.0.0.1",
                    port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https",
                    settings=ChromaSettings(anonymized_telemetry=False),
                )
            except Exception as exc:  # connection refused at the first heartbeat
                raise self._error(exc, "connecting") from exc
        return self._client

    def collection(self, name: str, *, create: bool = False) -> Any:
        """The named collection; None when it does not exist (and ``create`` is False)."""
        if name in self._collections:
            return self._collections[name]
        try:
            if create:
                found = self.client().get_or_create_collection(
                    name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
                )
            else:
                found = self.client().get_collection(name, embedding_function=None)
        except KnowledgeIndexError:
            raise
        except Exception as exc:
            if not create and "does not exist" in str(exc):
                return None
            raise self._error(exc, f"opening collection {name}") from exc
        self._collections[name] = found
        return found

    def count(self, name: str) -> int | None:
        col = self.collection(name)
        if col is None:
            return None
        try:
            return int(col.count())
        except Exception as exc:
            self._collections.pop(name, None)
            if "does not exist" in str(exc):
                return None
            raise self._error(exc, f"counting {name}") from exc

    def add(
        self, name: str, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]]
    ) -> None:
        col = self.collection(name, create=True)
        try:
            for start in range(0, len(ids), _ADD_BATCH):
                end = start + _ADD_BATCH
                col.upsert(
                    ids=ids[start:end],
                    embeddings=vectors[start:end],
                    metadatas=metadatas[start:end],
                )
        except Exception as exc:
            raise self._error(exc, f"adding {len(ids)} vectors to {name}") from exc

    def delete(self, name: str, ids: Iterable[str]) -> None:
        ids = list(ids)
        col = self.collection(name)
        if col is None or not ids:
            return
        try:
            for start in range(0, len(ids), _ADD_BATCH):
                col.delete(ids=ids[start : start + _ADD_BATCH])
        except Exception as exc:
            raise self._error(exc, f"deleting {len(ids)} vectors from {name}") from exc

    def existing(self, name: str, ids: list[str]) -> set[str]:
        col = self.collection(name)
        if col is None:
            return set()
        found: set[str] = set()
        try:
            for start in range(0, len(ids), _ADD_BATCH):
                got = col.get(ids=ids[start : start + _ADD_BATCH], include=[])
                found.update(got["ids"])
        except Exception as exc:
            raise self._error(exc, f"reading {name}") from exc
        return found

    def query(
        self, name: str, vector: list[float], n: int, where: dict[str, Any] | None
    ) -> list[tuple[str, float]]:
        """(row id, cosine similarity) of the ``n`` nearest rows passing ``where``."""
        col = self.collection(name)
        if col is None:
            raise self._error(KeyError(name), f"opening collection {name}")
        try:
            found = col.query(
                query_embeddings=[vector], n_results=n, where=where, include=["distances"]
            )
        except Exception as exc:
            self._collections.pop(name, None)
            raise self._error(exc, "searching") from exc
        ids, distances = found["ids"][0], found["distances"][0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def vectors(self, name: str, ids: list[str]) -> dict[str, np.ndarray]:
        col = self.collection(name)
        if col is None or not ids:
            return {}
        try:
            got = col.get(ids=ids, include=["embeddings"])
        except Exception as exc:
            raise self._error(exc, "reading vectors") from exc
        return {
            i: np.asarray(e, dtype=np.float32)
            for i, e in zip(got["ids"], got["embeddings"], strict=True)
        }

    def drop_collection(self, name: str) -> None:
        self._collections.pop(name, None)
        with contextlib.suppress(Exception):
            self.client().delete_collection(name)

    def names(self, prefix: str) -> list[str]:
        try:
            return [c.name for c in self.client().list_collections() if c.name.startswith(prefix)]
        except Exception as exc:
            raise self._error(exc, "listing collections") from exc


def row_metadata(doc_id: str, meta: Any) -> dict[str, Any]:
    """What a filter can test on a row: the document's region, type and validity days."""
    return {
        "doc": doc_id,
        "region": meta.region or "",
        "doc_type": meta.doc_type or "",
        "effective": day_number(meta.effective_date),
        "expiry": day_number(meta.expiry_date) or _NEVER,
    }
