"""Load one source file into a :class:`SourceDocument`: detect its type, read it, clean it.

This is the single entry point of ingestion: ``load_source(path, max_bytes=...)``. It checks the
path and size before reading, detects the real type from the bytes, dispatches to the reader of
that type, and derives ids. What it leaves out: chunking (``chunking``), embedding and indexing.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from bot.errors import IngestError
from bot.knowledge.models import Block, DocumentMeta, SourceDocument

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".markdown"})


def load_source(path: Path, *, max_bytes: int) -> SourceDocument:
    """Read ``path`` into a cleaned document; raise :class:`IngestError` with a reason."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(
            str(path),
            f"unsupported format {suffix or '(none)'} (supported: "
            f"{', '.join(sorted(SUPPORTED_SUFFIXES))})",
            status="skipped",
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    if size > max_bytes:
        raise IngestError(
            str(path),
            f"file too large ({size / 1e6:.0f} MB > {max_bytes / 1e6:.0f} MB limit)",
            status="skipped",
        )
    if size == 0:
        raise IngestError(str(path), "empty file (0 bytes)")
    data = path.read_bytes()
    text = data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    blocks = [Block(text=p.strip()) for p in text.split("\n\n") if p.strip()]
    if not blocks:
        raise IngestError(str(path), "no text found")
    file_type = "md" if suffix in {".md", ".markdown"} else "txt"
    return make_document(path, data, file_type, DocumentMeta(), blocks)


def make_document(
    path: Path, data: bytes, file_type: str, meta: DocumentMeta, blocks: list[Block]
) -> SourceDocument:
    """Assemble a document: ``doc_id`` from the normalised text, ``content_hash`` from bytes."""
    body = "\n".join(b.text for b in blocks)
    doc_id = hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
    return SourceDocument(
        doc_id=doc_id,
        path=str(path),
        content_hash=hashlib.sha256(data).hexdigest(),
        file_type=file_type,
        meta=meta,
        blocks=blocks,
    )
