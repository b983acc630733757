"""A home indexed in the first format (one folder per generation) is reported, not taken for an
empty index, and the first refresh or repair converts it, keeping every source."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bot.cli.serve import index_if_empty
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.build import document_info
from bot.knowledge.chunking import chunk_document
from bot.knowledge.loaders import load_source
from bot.settings import Settings
from tests.conftest import FIXTURES
from tests.index_fakes import FakeEmbeddings


def write_first_format(settings: Settings, corpus: Path, config: dict[str, str]) -> None:
    """What the first format's refresh left: CURRENT, gen-000003/ with its three files."""
    folder = settings.index_dir / "gen-000003"
    (folder / "chroma").mkdir(parents=True)  # its embedded Chroma (not read when converting)
    entries, documents, lines = [], {}, []
    for path in sorted(p for p in corpus.iterdir() if p.suffix in (".md", ".txt")):
        doc = load_source(path, max_bytes=10_000_000)
        chunks = chunk_document(doc, chunk_tokens=settings.chunk_tokens,
                                overlap_tokens=settings.chunk_overlap)  # fmt: skip
        st = path.stat()
        entries.append({
            "path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "sidecar": "",
            "content_hash": doc.content_hash, "doc_id": doc.doc_id, "status": "indexed",
            "reason": "", "chunk_ids": [c.chunk_id for c in chunks],
        })  # fmt: skip
        info = document_info(doc, str(path), chunks)
        documents[doc.doc_id] = info.model_dump(mode="json", exclude={"key", "segment"})
        lines += [c.model_dump_json() for c in chunks]
    manifest = {"generation": 3, "config": config, "entries": entries, "refreshed_at": None}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "documents.json").write_text(json.dumps(documents), encoding="utf-8")
    (folder / "chunks.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (settings.index_dir / "CURRENT").write_text("3\n")
    (settings.index_dir / "instance").write_text("a1b2c3d4e5")


def test_first_format_is_reported_then_converted(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "index" / "policies", corpus)
    settings = Settings(home=tmp_path / "home")
    fake = FakeEmbeddings()
    kb = KnowledgeBase(settings, embeddings=fake, embedding_id="fake:1")
    old = {k: v for k, v in kb.context().config().items() if k != "vectors"}
    write_first_format(settings, corpus, old)

    status = kb.status()
    assert status.documents == 0 and "first format" in status.degraded
    assert "kb check --repair" in status.degraded
    assert index_if_empty(kb, FIXTURES / "index" / "more") is None  # not a "first start"

    more = tmp_path / "more"
    more.mkdir()
    shutil.copy(FIXTURES / "index" / "more" / "teacher.md", more / "teacher.md")
    report = kb.refresh([more])  # another folder: the converted sources are kept
    assert report.ok and report.generation == 4
    assert any("converting" in w for w in report.warnings)
    assert any("removed the first-format folders gen-000003" in w for w in report.warnings)
    assert not (settings.index_dir / "gen-000003").exists()
    status = kb.status()
    assert status.documents == 5 and not status.degraded
    assert any(h.source.endswith("sanzhi-yifu.md") for h in kb.search("三支一扶 服务期", k=3))
    again = kb.refresh([corpus])  # the converted files are unchanged: nothing is loaded
    assert set(again.counts) == {"unchanged"} and not again.new_generation
    assert kb.check().whole
