"""What the index records about its sources, and what a refresh reports.

The manifest lists every source a refresh has seen, with the facts needed to tell next time
whether it changed (size, mtime, the metadata sidecar's size and mtime, a content hash), what
became of it (status and reason) and the chunks it produced. It lives inside each index
generation and is written atomically (temp file, fsync, ``os.replace``). ``RefreshReport`` and
``KBStatus`` are what ``KnowledgeBase`` returns and ``careercoach kb … --json`` prints.
What it leaves out: deciding what changed (``refresh``) and storing chunks (``index``).
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, computed_field, field_validator

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
    chunk_ids: list[str] = Field(default_factory=list)


class Manifest(BaseModel):
    generation: int = 0
    config: dict[str, str] = Field(default_factory=dict)  # what chunks and vectors depend on
    entries: list[SourceEntry] = Field(default_factory=list)
    refreshed_at: datetime | None = None

    def by_path(self) -> dict[str, SourceEntry]:
        return {e.path: e for e in self.entries}


class DocumentInfo(BaseModel):
    """A document in the index, for listings and citations."""

    doc_id: str
    path: str
    file_type: str = ""
    title: str
    meta: DocumentMeta = Field(default_factory=DocumentMeta)
    chunks: int = 0


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
    timings: dict[str, float] = Field(default_factory=dict)  # seconds per phase

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


def load_manifest(path: Path) -> Manifest:
    return Manifest.model_validate_json(path.read_text(encoding="utf-8"))


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


def save_manifest(path: Path, manifest: Manifest) -> None:
    write_atomically(path, manifest.model_dump_json(indent=1))
