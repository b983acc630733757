"""``KnowledgeBase``: the one object the rest of the product uses for the knowledge base.

It is cheap to construct (nothing is opened, no model loaded) and wires the parts together:
refresh and removal (``refresh``), the generation on disk (``index``), hybrid search
(``retrieval``). Before each search it checks the CURRENT pointer and reopens the index when a
refresh (in this or another process) committed a new generation, so a long-running web app
picks up refreshes without a restart. What it leaves out: loading and chunking files, the UI.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from langchain_core.embeddings import Embeddings

from bot.knowledge.index import Generation, IndexLayout, VectorStore
from bot.knowledge.lexical import ChineseTokenizer
from bot.knowledge.manifest import DocumentInfo, FileReport, KBStatus, RefreshReport
from bot.knowledge.models import Hit, SearchFilters
from bot.knowledge.query import Glossary, glossary_path, load_glossary
from bot.knowledge.refresh import RefreshContext, remove_sources, run_refresh
from bot.knowledge.retrieval import HybridRetriever
from bot.settings import Settings

log = logging.getLogger(__name__)


class KnowledgeBase:
    """Refresh, inspect and search the index under ``settings.index_dir``.

    ``embeddings`` and ``embedding_id`` replace the configured model (tests pass a fake);
    by default ``make_embeddings(settings)`` is built on first need.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        embeddings: Embeddings | None = None,
        embedding_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.layout = IndexLayout(settings.index_dir)
        self._store = VectorStore(settings, self.layout)
        self._embeddings = embeddings
        self.embedding_id = embedding_id or (
            f"{settings.embedding_provider}:{settings.embedding_model}"
        )
        self._glossary: Glossary | None = None
        self._tokenizer: ChineseTokenizer | None = None
        self._generation: Generation | None = None
        self._lock = threading.Lock()

    # --- wiring ----------------------------------------------------------------------------
    def embeddings(self) -> Embeddings:
        if self._embeddings is None:
            from bot.knowledge.embeddings import make_embeddings

            self._embeddings = make_embeddings(self.settings)
        return self._embeddings

    def glossary(self) -> Glossary:
        if self._glossary is None:
            self._glossary = load_glossary(glossary_path(self.settings))
        return self._glossary

    def tokenizer(self) -> ChineseTokenizer:
        if self._tokenizer is None:
            self._tokenizer = ChineseTokenizer(self.glossary().keep_whole)
        return self._tokenizer

    def _context(self) -> RefreshContext:
        return RefreshContext(
            settings=self.settings,
            layout=self.layout,
            store=self._store,
            embeddings=self.embeddings,
            tokenizer=self.tokenizer(),
            embedding_id=self.embedding_id,
        )

    def generation(self) -> Generation:
        """The committed generation, reopened when CURRENT moved since the last call."""
        n = self.layout.current()
        with self._lock:
            if self._generation is None or self._generation.number != n:
                log.info("opening index generation %d", n)
                self._generation = Generation(self.layout, self._store, n)
            return self._generation

    def retriever(self) -> HybridRetriever:
        return HybridRetriever(
            self.generation,
            self.embeddings,
            self.tokenizer(),
            self.glossary(),
            candidates=self.settings.retrieval_candidates,
        )

    # --- public API ------------------------------------------------------------------------
    def refresh(
        self,
        paths: list[Path],
        progress: Callable[[int, int, str], None] | None = None,
        *,
        force: bool = False,
    ) -> RefreshReport:
        """Index new and changed files under ``paths``; drop those removed from them."""
        return run_refresh(self._context(), [Path(p) for p in paths], progress, force)

    def remove(self, ref: str) -> list[str]:
        """Remove a document by doc id, file path or folder; NotFoundError when nothing matches."""
        return remove_sources(self._context(), ref)

    def search(self, query: str, k: int = 5, filters: SearchFilters | None = None) -> list[Hit]:
        return self.retriever().search(query, k, filters)

    def documents(self) -> list[DocumentInfo]:
        return sorted(self.generation().documents.values(), key=lambda d: d.path)

    def chunk(self, chunk_id: str) -> Hit | None:
        gen = self.generation()
        row = gen.row_of.get(chunk_id)
        if row is None:
            return None
        c = gen.chunks[row]
        info = gen.documents[c.doc_id]
        return Hit(
            chunk_id=c.chunk_id, doc_id=c.doc_id, text=c.text, title=info.title,
            section_path=c.section_path, page=c.page, source=info.path, meta=info.meta,
            score=0.0,
        )  # fmt: skip

    def section_of(self, hit: Hit) -> Hit | None:
        """``hit`` with the text of its whole section (its neighbouring chunks of the same
        section joined, the overlap between them once); None when the chunk is unknown."""
        gen = self.generation()
        row = gen.row_of.get(hit.chunk_id)
        if row is None:
            return None
        texts = [gen.chunks[r].text for r in gen.section_rows(row)]
        heading = hit.section_path[-1] if hit.section_path else ""
        return hit.model_copy(update={"text": join_chunks(texts, heading)})

    def term_stats(self, terms: list[str]) -> tuple[dict[str, int], int]:
        """(how many chunks contain each term, number of chunks), from the lexical index."""
        gen = self.generation()
        return gen.lexical.document_frequencies(terms), len(gen.chunks)

    def status(self) -> KBStatus:
        manifest = self.layout.manifest()
        gen = self.generation()
        failures = [
            FileReport(path=e.path, status=e.status, reason=e.reason)
            for e in manifest.entries
            if e.status in ("failed", "skipped")
        ]
        return KBStatus(
            documents=len(gen.documents),
            chunks=len(gen.chunks),
            failures=failures,
            last_refresh=manifest.refreshed_at,
            model=manifest.config.get("embedding", self.embedding_id),
            generation=manifest.generation,
            index_dir=str(self.layout.root),
            chroma=self._store.where,
        )


def join_chunks(texts: list[str], heading: str = "") -> str:
    """Consecutive chunks of one section as one text: a repeated heading line and the overlap
    that each chunk shares with the one before it appear once."""
    joined = ""
    for text in texts:
        if joined and heading and text.startswith(heading + "\n"):
            text = text[len(heading) + 1 :]
        longest = min(len(joined), len(text), 800)  # overlaps are a few sentences
        shared = next((k for k in range(longest, 3, -1) if joined.endswith(text[:k])), 0)
        joined = joined + ("" if shared or not joined else "\n") + text[shared:]
    return joined
