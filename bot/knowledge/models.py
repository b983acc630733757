"""The data that flows through the knowledge base: documents, blocks, chunks and hits.

These are plain pydantic models shared by loaders, the index, retrieval, the answering engine
and the evaluation suites. They hold no behaviour beyond small derived properties.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr


class DocumentMeta(BaseModel):
    """What is known about a document. Empty means unknown: nothing here is ever invented."""

    title: str = ""
    issuer: str = ""
    region: str = ""  # "全国" or a province / city
    doc_type: str = ""  # policy, subsidy_rule, guidance, news, qa, paper, guide, ...
    publish_date: date | None = None
    effective_date: date | None = None
    expiry_date: date | None = None
    source_url: str = ""
    source_title: str = ""  # title of the official text a starter document summarises
    superseded_by: str = ""
    language: str = "zh"
    tags: list[str] = Field(default_factory=list)

    def valid_on(self, day: date) -> bool:
        """True unless the document is known to be not yet in force or expired on ``day``."""
        if self.effective_date and day < self.effective_date:
            return False
        return not (self.expiry_date and day > self.expiry_date)


class Block(BaseModel):
    """A run of text under one section path on one page, in reading order."""

    text: str
    section_path: list[str] = Field(default_factory=list)
    page: int | None = None  # 1-based page number for paged formats
    unit: bool = False  # a table row (with its headers): chunk overlap never starts inside it


class SourceDocument(BaseModel):
    """A loaded, cleaned document ready for chunking."""

    doc_id: str  # stable id derived from the normalised content
    path: str  # source path as given to the refresh
    content_hash: str  # sha256 of the raw file bytes
    file_type: str  # pdf, docx, html, md, txt, image
    meta: DocumentMeta
    blocks: list[Block]
    notes: list[str] = Field(default_factory=list)  # for the refresh report (OCR, screening)
    page_confidence: dict[int, float] = Field(default_factory=dict)  # OCR'd page -> 0..1
    # where each character sits on its page (``layout.Layout``), for paged formats; not stored
    _layout: Any = PrivateAttr(default=None)

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


class Chunk(BaseModel):
    """A retrievable piece of a document."""

    chunk_id: str  # deterministic: doc_id + ordinal + text hash
    doc_id: str
    ordinal: int
    text: str
    section_path: list[str] = Field(default_factory=list)
    page: int | None = None
    token_count: int = 0
    char_start: int = 0  # offset of the chunk in the document text, for overlap de-duplication
    char_end: int = 0
    # where the chunk sits in the original: [page, x0, y0, x1, y1] per line of text, in PDF
    # points (pixels for an image), origin top left; empty for formats without pages
    boxes: list[list[float]] = Field(default_factory=list)
    anchor: str = ""  # the section's anchor (``#…``) for Markdown, HTML and Word
    ocr_confidence: float | None = None  # lowest OCR confidence of its pages; None: text layer

    @property
    def section(self) -> str:
        return " / ".join(self.section_path)


class Hit(BaseModel):
    """One retrieved chunk with everything a citation needs."""

    chunk_id: str
    doc_id: str
    text: str
    title: str
    section_path: list[str] = Field(default_factory=list)
    page: int | None = None
    source: str  # source path
    meta: DocumentMeta
    score: float  # fused score, higher is better
    dense_score: float | None = None  # cosine similarity of the query and the chunk
    lexical_score: float | None = None  # BM25 score

    @property
    def section(self) -> str:
        """The section path below the document title, as a citation names it."""
        path = self.section_path
        if path and path[0] == self.title:
            path = path[1:]
        return " / ".join(path)


class SearchFilters(BaseModel):
    """Optional restrictions on retrieval."""

    region: str | None = None  # keeps 全国 documents as well as the named region
    doc_type: str | None = None
    valid_on: date | None = None
