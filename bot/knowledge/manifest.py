"""What the index records about its sources, and what a refresh reports.

The manifest is one generation's record. It lists every source a refresh has seen, with the
facts needed to tell next time whether it changed (size, mtime, the metadata sidecar's size and
mtime, a content hash) and what became of it (status, reason, chunk count); the documents served
(each with its key and the segment holding its rows); the segments; where the vectors are; and
the chunk count, which opening a generation checks. It is written atomically (temp file, fsync,
``os.replace``, or one database transaction). ``RefreshReport`` and ``KBStatus`` are what
``KnowledgeBase`` returns and ``careercoach kb … --json`` prints.
What it leaves out: deciding what changed (``refresh``) and storing records (``state``).
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, computed_field, field_validator, model_validator

from bot.knowledge.models import DocumentMeta

FileStatus = Literal["indexed", "unchanged", "removed", "duplicate", "skipped", "failed"]
EntryStatus = Literal["indexed", "duplicate", "skipped", "failed"]


class SourceEntry(BaseModel):
    """One source file as of the last refresh that looked at it."""

    path: str
    size: int = 0
    mtime_ns: int = 0
    sidecar: str = ""  # "size:mtime_ns" of the *.meta.yaml sidecar, "" when there is none
    content_hash: str = ""
    doc_id: str = ""
    status: EntryStatus
    reason: str = ""
    chunks: int = 0

    @model_validator(mode="before")
    @classmethod
    def _from_first_format(cls, data: object) -> object:
        """Manifests of the first index format listed chunk ids; only their count is kept."""
        if isinstance(data, dict) and "chunk_ids" in data:
            count = len(data["chunk_ids"] or [])
            data = {k: v for k, v in data.items() if k != "chunk_ids"}
            data.setdefault("chunks", count)
        return data


class DocumentInfo(BaseModel):
    """A document in the index, for listings and citations."""

    doc_id: str
    path: str
    file_type: str = ""
    title: str
    meta: DocumentMeta = Field(default_factory=DocumentMeta)
    chunks: int = 0
    key: str = ""  # digest of everything its rows depend on; rows are shared while it is equal
    segment: str = ""  # the segment holding its rows


class Manifest(BaseModel):
    """One generation: sources, documents, segments, vectors; immutable once committed
    (except the sources' mtimes, which a no-change refresh updates in place)."""

    format: int = 2
    generation: int = 0
    config: dict[str, str] = Field(default_factory=dict)  # what chunks and vectors depend on
    entries: list[SourceEntry] = Field(default_factory=list)
    refreshed_at: datetime | None = None
    documents: dict[str, DocumentInfo] = Field(default_factory=dict)
    segments: list[str] = Field(default_factory=list)
    vectors: str = "local"  # "local" (in the segments) or the Chroma collection's name
    chunks: int = 0  # rows served: the sum of the documents' chunks

    def by_path(self) -> dict[str, SourceEntry]:
        return {e.path: e for e in self.entries}


class FileReport(BaseModel):
    """One line of a refresh report; its path and reason are shown with control characters
    escaped (``walk.printable``), so a file name cannot forge report lines or terminal codes."""

    path: str
    status: FileStatus
    reason: str = ""
    doc_id: str = ""
    chunks: int = 0

    @field_validator("path", "reason")
    @classmethod
    def _printable(cls, value: str) -> str:
        from bot.knowledge.walk import printable

        return printable(value)


class RefreshReport(BaseModel):
    files: list[FileReport] = Field(default_factory=list)
    generation: int = 0  # the generation serving queries after the refresh
    new_generation: bool = False  # False when nothing changed and the index was left as it was
    embedded: int = 0  # passages sent to the embedding model (the rest came from the cache)
    merged: int = 0  # segments written by merging others
    timings: dict[str, float] = Field(default_factory=dict)  # seconds per phase
    warnings: list[str] = Field(default_factory=list)  # damage found and what was done about it

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(f.status for f in self.files))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        return all(f.status != "failed" for f in self.files)


class KBStatus(BaseModel):
    documents: int
    chunks: int
    failures: list[FileReport] = Field(default_factory=list)  # failed or skipped last time
    last_refresh: datetime | None = None
    model: str  # provider:model the vectors were made with
    generation: int = 0
    index_dir: str = ""
    chroma: str = ""  # "embedded" or the server URL
    state: str = ""  # where the generation pointer and records live: "files" or the database
    degraded: str = ""  # why the index is not whole ("" when it is), in words


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` so that readers see the old or the new file, never half of one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
