"""Every file of the shared reference corpus: the good ones read cleanly, the bad ones say why."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.errors import IngestError
from bot.knowledge.chunking import chunk_document
from bot.knowledge.loaders import load_source

MB = 1_000_000
BAD_REASONS = {
    "empty.pdf": "empty file (0 bytes)",
    "truncated-paper.pdf": "truncated or corrupt PDF",
}
READ_BY_OCR = {"scanned-notice-no-text-layer.pdf"}
# the seed keeps the journal's page number and running head mid-sentence; the loader drops them
FURNITURE = re.compile(r"第\d+卷·第\d+期")


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _seed_sentences(seed: Path) -> list[str]:
    sentences = re.split(r"(?<=[。！？])", _squeeze(seed.read_text(encoding="utf-8")))
    return [s for s in sentences if len(s) >= 15 and not FURNITURE.search(s)]


def test_every_corpus_file(shared_corpus: Path) -> None:
    files = sorted(p for p in shared_corpus.rglob("*") if p.is_file() and p.suffix != ".md")
    assert len(files) >= 8
    for path in files:
        if path.name in READ_BY_OCR:
            continue  # tests/test_ingest_ocr.py reads it (slow: real OCR)
        if path.parent.name == "bad":
            with pytest.raises(IngestError) as info:
                load_source(path, max_bytes=50 * MB)
            assert info.value.reason.startswith(BAD_REASONS[path.name]), path.name
            continue
        doc = load_source(path, max_bytes=50 * MB)
        chunks = chunk_document(doc, chunk_tokens=320, overlap_tokens=48)
        assert len(chunks) >= 10, path.name
        assert all(c.token_count <= 320 for c in chunks), path.name


@pytest.mark.parametrize(
    "name", ["employment-service-system-opinion", "graduate-employment-mechanism-paper"]
)
def test_pdf_text_matches_the_seed(shared_corpus: Path, name: str) -> None:
    doc = load_source(shared_corpus / "pdf" / f"{name}.pdf", max_bytes=50 * MB)
    text = doc.text
    assert not re.search(r"\d [年月日届条个]|[年月日] \d", text)  # "4 月 8 日" spacing is gone
    squeezed = _squeeze(text)
    sentences = _seed_sentences(shared_corpus / "seeds" / f"{name}.txt")
    assert len(sentences) > 80
    missing = [s for s in sentences if s not in squeezed]
    assert missing == []
    assert all(b.page for b in doc.blocks)


def test_opinion_structure_and_same_id_in_every_format(shared_corpus: Path) -> None:
    name = "employment-service-system-opinion"
    docs = [
        load_source(shared_corpus / "pdf" / f"{name}.pdf", max_bytes=50 * MB),
        load_source(shared_corpus / "docx" / f"{name}.docx", max_bytes=50 * MB),
        load_source(shared_corpus / "seeds" / f"{name}.txt", max_bytes=50 * MB),
    ]
    assert len({d.doc_id for d in docs}) == 1  # the index reports the copies as duplicates
    pdf = docs[0]
    assert "4月8日" in pdf.text
    block = next(b for b in pdf.blocks if "一次性求职补贴" in b.text)
    assert block.section_path[-2:] == ["五、完善帮扶援助体系", "（十一）健全困难帮扶机制"]
    assert block.page == 5
    assert "答：高校毕业生是党和国家宝贵的人才资源。" in docs[2].text  # column lines re-joined


def test_paper_structure_and_furniture(shared_corpus: Path) -> None:
    for folder, suffix in (("pdf", ".pdf"), ("seeds", ".txt")):
        path = shared_corpus / folder / f"graduate-employment-mechanism-paper{suffix}"
        doc = load_source(path, max_bytes=50 * MB)
        assert doc.meta.title == "高校毕业生高质量就业的推动机制探索"
        assert "教育研究与创新" not in doc.text  # the journal running head
        assert not re.search(r"^\s*125\s*$", doc.text, re.M)  # the page number
        paths = {tuple(b.section_path[1:]) for b in doc.blocks}
        assert ("4 协同机制在高校毕业生就业中的实践", "4.1 政府的政策支持与引导") in paths
        assert "research object" in doc.text  # "resea" + "rch" re-joined
