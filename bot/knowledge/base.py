"""``KnowledgeBase``: the one object the rest of the product uses for the knowledge base.

It is cheap to construct (nothing is opened, no model loaded) and wires the parts together:
where the state lives (``state``: files, or PostgreSQL when the store is PostgreSQL), vectors
(in the segments, or a Chroma server), refresh and removal (``refresh``), the read side
(``index``), hybrid search (``retrieval``) and the integrity check (``check``).

Readers follow refreshes made anywhere: before a search the pointer is read again (on every
search from files; at most every ``kb_poll_s`` from PostgreSQL) and a newer generation is opened
beside the current one, reusing the segments both share, then swapped in. A search holds its
generation (``reading``) until it ends; a replaced generation is closed, and the segments only
it used unmapped, when its last search leaves, so a long-running server's file descriptors,
threads and memory stay flat however often maintainers refresh.

When the generation the pointer names is not whole (or the pointer is damaged), the newest whole
generation serves instead; when none is whole, what can be read serves; either way ``status``
says why in ``degraded`` (and ``/api/health`` reports it), and nothing is deleted or rebuilt.
What it leaves out: loading and chunking files, the UI.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

from bot.errors import CareerCoachError
from bot.knowledge import legacy
from bot.knowledge.build import RefreshContext
from bot.knowledge.index import Generation, GenerationDamaged, SegmentPool, open_generation
from bot.knowledge.lexical import ChineseTokenizer
from bot.knowledge.manifest import DocumentInfo, FileReport, KBStatus, RefreshReport
from bot.knowledge.models import Chunk, Hit, SearchFilters
from bot.knowledge.query import Glossary, glossary_path, load_glossary
from bot.knowledge.refresh import remove_sources, run_refresh
from bot.knowledge.retrieval import HybridRetriever
from bot.knowledge.state import FileState, PointerDamaged, StateStore, make_state
from bot.knowledge.vectors import ServerVectors
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.knowledge.check import CheckReport

log = logging.getLogger(__name__)

_RETRY_DEGRADED_S = 30.0  # a degraded view is opened again after this long (a server was down)


class KnowledgeBase:
    """Refresh, inspect and search the knowledge base of ``settings``.

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
        self.state: StateStore = make_state(settings)
        self.server = ServerVectors(settings.chroma_url) if settings.chroma_url else None
        self._embeddings = embeddings
        self.embedding_id = embedding_id or (
            f"{settings.embedding_provider}:{settings.embedding_model}"
        )
        self._glossary: Glossary | None = None
        self._tokenizer: ChineseTokenizer | None = None
        self._pool = SegmentPool(self.state)
        self._generation: Generation | None = None
        self._token: tuple[int | None, str] | None = None
        self._checked = 0.0
        self._retry_at = 0.0
        self._lock = threading.Lock()  # guards _generation and readers counts
        self._switch = threading.Lock()  # one thread opens a new generation at a time

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

    def context(self) -> RefreshContext:
        return RefreshContext(
            settings=self.settings,
            state=self.state,
            server=self.server,
            embeddings=self.embeddings,
            tokenizer=self.tokenizer(),
            embedding_id=self.embedding_id,
        )

    # --- the generation being read -----------------------------------------------------------
    def _pointer(self) -> tuple[int | None, str]:
        try:
            return self.state.pointer(), ""
        except PointerDamaged as exc:
            return None, str(exc)

    def _open(self, token: tuple[int | None, str]) -> Generation:
        """The generation to serve for this pointer: whole if any is, else what can be read."""
        n, problem = token
        numbers = self.state.generations()
        if n is not None and not problem:
            candidates = [n, *(m for m in reversed(numbers) if m < n)]
        else:
            candidates = list(reversed(numbers))
        old = legacy.find(self.state.root) if isinstance(self.state, FileState) else None
        if not numbers and old is not None:
            return Generation.empty(
                f"the index at {old} is in the first format: run `careercoach kb check "
                "--repair` (or a refresh) to convert it; nothing was deleted"
            )
        if not candidates:
            return Generation.empty(problem)
        if n is None and not problem:
            problem = f"the generation pointer is missing ({self.state.where}) but records exist"
        problems = [problem] if problem else []
        for m in candidates:
            try:
                gen = open_generation(self.state, self._pool, self.server, m)
            except (GenerationDamaged, CareerCoachError) as exc:
                problems.append(f"generation {m}: {exc}")
                continue
            if problems:
                gen.degraded = "; ".join([*problems, f"serving generation {m} instead"])
            return gen
        for m in candidates:
            try:
                gen = open_generation(self.state, self._pool, self.server, m, partial=True)
            except (GenerationDamaged, CareerCoachError):
                continue
            gen.degraded = "; ".join([*problems, f"serving what is readable of generation {m}"])
            return gen
        return Generation.empty("; ".join([*problems, "no generation can be read"]))

    def _follow(self) -> None:
        """Swap in a newer generation when the pointer moved (or a degraded view may heal)."""
        now = time.monotonic()
        pg = not isinstance(self.state, FileState)
        current = self._generation
        if current is not None and pg and now - self._checked < self.settings.kb_poll_s:
            return
        if not self._switch.acquire(blocking=current is None):
            return  # another thread is switching: keep reading the current generation
        try:
            self._checked = now
            token = self._pointer()
            healing = bool(current and current.degraded and now >= self._retry_at)
            if current is not None and token == self._token and not healing:
                return
            log.info("opening index generation %s", token[0])
            fresh = self._open(token)
            if fresh.degraded:
                log.warning("the index is not whole: %s", fresh.degraded)
                self._retry_at = now + _RETRY_DEGRADED_S
            with self._lock:
                old, self._generation, self._token = self._generation, fresh, token
                if old is not None:
                    old.retired = True
                    if old.readers == 0:
                        old.close()
            if hasattr(self.state, "evict"):  # local copies of database segments
                self.state.evict(self._pool.ids())
        finally:
            self._switch.release()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Generation]:
        """The current generation, held open until the block ends."""
        self._follow()
        with self._lock:
            gen = self._generation
            assert gen is not None
            gen.readers += 1
        try:
            yield gen
        finally:
            with self._lock:
                gen.readers -= 1
                if gen.retired and gen.readers == 0:
                    gen.close()

    def generation(self) -> Generation:
        """The current generation (not held: for counts and listings, not for reading rows)."""
        with self.reading() as gen:
            return gen

    def retriever(self) -> HybridRetriever:
        return HybridRetriever(
            self.reading,
            self.embeddings,
            self.tokenizer(),
            self.glossary(),
            candidates=self.settings.retrieval_candidates,
        )

    def close(self) -> None:
        """Close the open generation and the stores (the object can be used again after)."""
        with self._lock:
            old, self._generation, self._token = self._generation, None, None
            if old is not None:
                old.retired = True
                if old.readers == 0:
                    old.close()

    # --- public API ------------------------------------------------------------------------
    def refresh(
        self,
        paths: list[Path],
        progress: Callable[[int, int, str], None] | None = None,
        *,
        force: bool = False,
    ) -> RefreshReport:
        """Index new and changed files under ``paths``; drop those removed from them."""
        return run_refresh(self.context(), [Path(p) for p in paths], progress, force)

    def remove(self, ref: str) -> list[str]:
        """Remove a document by doc id, file path or folder; NotFoundError when nothing matches."""
        return remove_sources(self.context(), ref)

    def check(self, *, repair: bool = False) -> CheckReport:
        """Whether the index is whole (in words); with ``repair``, mend it first."""
        from bot.knowledge.check import check_index, repair_index

        result = repair_index(self.context()) if repair else check_index(self.context())
        self._token = None  # read the pointer again at the next search
        return result

    def search(self, query: str, k: int = 5, filters: SearchFilters | None = None) -> list[Hit]:
        return self.retriever().search(query, k, filters)

    def documents(self) -> list[DocumentInfo]:
        with self.reading() as gen:
            return sorted(gen.documents.values(), key=lambda d: d.path)

    def chunks(self, doc_id: str | None = None) -> list[Chunk]:
        """Every served chunk (or one document's), in index order."""
        with self.reading() as gen:
            return list(gen.chunks(doc_id))

    def chunk(self, chunk_id: str) -> Hit | None:
        with self.reading() as gen:
            row = gen.find(chunk_id)
            if row is None:
                return None
            c = gen.chunk(row)
            info = gen.document_of(row)
        return Hit(
            chunk_id=c.chunk_id, doc_id=c.doc_id, text=c.text, title=info.title,
            section_path=c.section_path, page=c.page, source=info.path, meta=info.meta,
            score=0.0,
        )  # fmt: skip

    def section_of(self, hit: Hit) -> Hit | None:
        """``hit`` with the text of its whole section (its neighbouring chunks of the same
        section joined, the overlap between them once); None when the chunk is unknown."""
        chunks = self.section_chunks(hit.chunk_id)
        if not chunks:
            return None
        heading = hit.section_path[-1] if hit.section_path else ""
        return hit.model_copy(update={"text": join_chunks([c.text for c in chunks], heading)})

    def section_chunks(self, chunk_id: str) -> list[Chunk]:
        """The chunks of ``chunk_id``'s section (its neighbours in the same document with the
        same section path), in document order; empty when the chunk is not served."""
        with self.reading() as gen:
            row = gen.find(chunk_id)
            return [] if row is None else [gen.chunk(r) for r in gen.section_rows(row)]

    def term_stats(self, terms: list[str]) -> tuple[dict[str, int], int]:
        """(how many served chunks contain each term, how many chunks are served), from the
        lexical index; ``terms`` are tokens as ``tokenizer`` makes them."""
        with self.reading() as gen:
            return gen.document_frequencies(terms), gen.size

    def status(self) -> KBStatus:
        with self.reading() as gen:
            record = gen.record
            failures = [
                FileReport(path=e.path, status=e.status, reason=e.reason)
                for e in record.entries
                if e.status in ("failed", "skipped")
            ]
            return KBStatus(
                documents=len(gen.documents),
                chunks=gen.size,
                failures=failures,
                last_refresh=record.refreshed_at,
                model=record.config.get("embedding", self.embedding_id),
                generation=gen.number,
                index_dir=str(self.settings.index_dir),
                chroma=self.server.url if self.server else "local",
                state=self.state.where,
                degraded=gen.degraded,
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
