"""Reading an index written in the first format (``index/gen-NNNNNN/`` folders), to convert it.

The first format kept one complete folder per generation (chunks.jsonl, documents.json, a bm25s
index, embedded Chroma, manifest.json). A refresh or ``kb check --repair`` on such a home reads
the newest of them and builds the current format from its chunks (tokens again, vectors from the
embedding cache), keeping every source, also those outside the folders being refreshed; the old
folders are removed only after the new generation is committed. Readers meanwhile report the
index as degraded, with the command to run; nothing is rebuilt from the starter documents.
What it leaves out: the current format (``state``, ``segment``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bot.knowledge.manifest import DocumentInfo, Manifest
from bot.knowledge.models import Chunk


def find(root: Path) -> Path | None:
    """The first-format generation folder to convert: the one CURRENT names, else the newest."""
    folders = sorted(p for p in root.glob("gen-*") if (p / "manifest.json").is_file())
    if not folders:
        return None
    try:
        named = root / f"gen-{int((root / 'CURRENT').read_text('ascii').strip()):06d}"
    except (OSError, ValueError):
        named = None
    return named if named in folders else folders[-1]


def read(folder: Path) -> tuple[Manifest, list[tuple[DocumentInfo, list[Chunk]]]]:
    """Its manifest and its documents with their chunks; ValueError/OSError when unreadable."""
    manifest = Manifest.model_validate_json((folder / "manifest.json").read_text("utf-8"))
    raw = json.loads((folder / "documents.json").read_text(encoding="utf-8"))
    infos = {k: DocumentInfo.model_validate(v) for k, v in raw.items()}
    chunks: dict[str, list[Chunk]] = {}
    with open(folder / "chunks.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                c = Chunk.model_validate_json(line)
                chunks.setdefault(c.doc_id, []).append(c)
    docs = [(info, chunks[d]) for d, info in infos.items() if chunks.get(d)]
    if sum(len(c) for _, c in docs) != sum(i.chunks for i in infos.values()):
        raise ValueError(f"{folder / 'chunks.jsonl'} does not hold every document's chunks")
    return manifest, docs


def remove(root: Path) -> list[str]:
    """Delete every first-format generation folder; returns their names."""
    gone = []
    for p in sorted(root.glob("gen-*")):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
            gone.append(p.name)
    return gone
