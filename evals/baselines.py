"""The simple recipes we compare against, built the way a tutorial builds them.

* ``langchain-recursive-500``: raw text (pypdf page text, python-docx paragraphs, files read as
  they are), LangChain's ``RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)``,
  the same embedding model as ours, cosine similarity, dense only.
* ``bm25-only``: the same chunks, jieba search-mode tokens, ``bm25s``; no embeddings.

No clean-up, metadata, fusion or reranking: that is the point of a baseline. Both return
:class:`bot.knowledge.models.Hit` so the retrieval suite scores them with the same code.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.knowledge.models import DocumentMeta, Hit

log = logging.getLogger(__name__)

CHUNK_SIZE = 500
CHUNK_OVERLAP = 50
_SUFFIXES = {".pdf", ".docx", ".txt", ".md", ".markdown", ".html", ".htm"}


def read_plain(path: Path) -> str:
    """A file's text as a tutorial loader would give it (no clean-up)."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        import pypdf

        return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)
    if suffix == ".docx":
        import docx

        return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    if suffix in {".html", ".htm"}:
        from bs4 import BeautifulSoup

        return BeautifulSoup(path.read_bytes(), "lxml").get_text("\n")
    return path.read_text(encoding="utf-8", errors="replace")


def plain_documents(paths: Sequence[Path]) -> list[tuple[str, str]]:
    """(source, text) for every readable file under the given files or folders."""
    files: list[Path] = []
    for p in paths:
        files += sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    docs = []
    for f in files:
        if f.suffix.lower() not in _SUFFIXES:
            continue
        try:
            text = read_plain(f)
        except Exception as error:  # a tutorial pipeline would just skip a broken file
            log.warning("baseline skips %s: %s", f, error)
            continue
        if text.strip():
            docs.append((str(f), text))
    return docs


def split_recursive(docs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """(source, chunk text) with LangChain's recursive splitter at 500/50 characters."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    return [(source, piece) for source, text in docs for piece in splitter.split_text(text)]


def _hit(
    source: str,
    text: str,
    score: float,
    dense_score: float | None = None,
    lexical_score: float | None = None,
) -> Hit:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return Hit(
        chunk_id=digest,
        doc_id=hashlib.sha256(source.encode("utf-8")).hexdigest()[:16],
        text=text,
        title=Path(source).stem,
        source=source,
        meta=DocumentMeta(),
        score=score,
        dense_score=dense_score,
        lexical_score=lexical_score,
    )


class DenseBaseline:
    """Recursive 500/50 chunks, one embedding model, cosine top-k."""

    name = "langchain-recursive-500"

    def __init__(self, chunks: Sequence[tuple[str, str]], embeddings: Embeddings) -> None:
        self._chunks = list(chunks)
        self._embeddings = embeddings
        vectors = embeddings.embed_documents([text for _, text in self._chunks])
        self._matrix = _unit(np.asarray(vectors, dtype=np.float32).reshape(len(self._chunks), -1))

    @classmethod
    def from_vectors(
        cls, chunks: Sequence[tuple[str, str]], matrix: np.ndarray, embeddings: Embeddings
    ) -> DenseBaseline:
        """Build over precomputed vectors (the benchmark's synthetic chunks)."""
        self = cls.__new__(cls)
        self._chunks, self._embeddings, self._matrix = list(chunks), embeddings, _unit(matrix)
        return self

    def search(self, query: str, k: int = 5, filters: object = None) -> list[Hit]:
        if not self._chunks:
            return []
        q = np.asarray(self._embeddings.embed_query(query), dtype=np.float32)
        scores = self._matrix @ (q / (np.linalg.norm(q) or 1.0))
        top = np.argsort(-scores)[:k]
        hits = []
        for i in top:
            source, text = self._chunks[i]
            hits.append(_hit(source, text, float(scores[i]), dense_score=float(scores[i])))
        return hits


class Bm25Baseline:
    """The same chunks, jieba search-mode tokens, BM25 top-k."""

    name = "bm25-only"

    def __init__(self, chunks: Sequence[tuple[str, str]]) -> None:
        import bm25s
        import jieba

        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._cut = jieba.Tokenizer()
        self._chunks = list(chunks)
        self._index = bm25s.BM25()
        self._index.index([self._tokens(text) for _, text in self._chunks], show_progress=False)

    def _tokens(self, text: str) -> list[str]:
        return [t for t in (w.strip().lower() for w in self._cut.cut_for_search(text)) if t]

    def search(self, query: str, k: int = 5, filters: object = None) -> list[Hit]:
        if not self._chunks:
            return []
        tokens = self._tokens(query) or ["_"]
        k = min(k, len(self._chunks))
        ids, scores = self._index.retrieve([tokens], k=k, show_progress=False)
        return [
            _hit(*self._chunks[int(i)], float(s), lexical_score=float(s))
            for i, s in zip(ids[0], scores[0], strict=True)
        ]


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)
