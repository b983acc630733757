"""OCR: scanned PDF pages and photographed notices become text with boxes and a confidence."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.chat.coach import Coach
from bot.chat.crisis import load_crisis
from bot.chat.glossary import Glossary
from bot.chat.prompts import PromptLibrary
from bot.knowledge import ocr
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.chunking import chunk_document
from bot.knowledge.embedding_cache import CachedEmbeddings, EmbeddingCache
from bot.knowledge.loaders import load_source
from bot.settings import Settings
from tests.conftest import FIXTURES
from tests.index_fakes import FakeEmbeddings

INGEST = FIXTURES / "ingest"
MB = 1_000_000

pytestmark = pytest.mark.skipif(not ocr.available(), reason="rapidocr is not installed")


def make_kb(settings: Settings) -> KnowledgeBase:
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
    emb = CachedEmbeddings(FakeEmbeddings(), cache, namespace="fake:1")
    return KnowledgeBase(settings, embeddings=emb, embedding_id="fake:1")


def coach_over(kb: KnowledgeBase) -> Coach:
    return Coach(
        kb, PromptLibrary(), Glossary.load(), load_crisis(), today=lambda: date(2026, 11, 22)
    )


def test_a_png_notice_is_read_with_boxes_and_confidence() -> None:
    doc = load_source(INGEST / "notice.png", max_bytes=10 * MB)
    assert doc.file_type == "image"
    assert "个人无需另行提交申请" in doc.text and "12333" in doc.text
    assert doc.meta.title == "关于领取见习补贴的温馨提示"
    assert 0.9 < doc.page_confidence[1] <= 1.0
    assert any("read by OCR" in note for note in doc.notes)
    chunks = chunk_document(doc)
    width, height = 900, 60 + 57 * 5  # the fixture's drawing size
    for chunk in chunks:
        assert chunk.ocr_confidence == doc.page_confidence[1]
        assert chunk.boxes, chunk.text
        for page, x0, y0, x1, y1 in chunk.boxes:
            assert page == 1 and 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height


def test_a_mixed_pdf_is_read_by_ocr_only_where_the_text_layer_is_missing() -> None:
    doc = load_source(INGEST / "mixed-scan.pdf", max_bytes=10 * MB)
    by_page = {b.page: b.text for b in doc.blocks}
    assert "见习协议" in by_page[1]  # from the text layer
    assert "十五个工作日内完成审核" in doc.text  # from the image on page 2
    assert list(doc.page_confidence) == [2]
    assert doc.notes == ["OCR read pages 2 / 第 2 页经文字识别"]
    pages_boxed = {int(b[0]) for c in chunk_document(doc) for b in c.boxes}
    assert pages_boxed == {1, 2}


def test_low_confidence_pages_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "LOW_CONFIDENCE", 1.01)  # every page counts as low here
    doc = load_source(INGEST / "mixed-scan.pdf", max_bytes=10 * MB)
    assert "low OCR confidence on pages 2:" in doc.notes[0]
    assert "识别置信度低" in doc.notes[0]


def test_a_broken_image_names_the_reason(tmp_path: Path) -> None:
    from bot.errors import IngestError

    bad = tmp_path / "notice.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(IngestError) as info:
        load_source(bad, max_bytes=MB)
    assert info.value.reason.startswith("broken or unreadable image")


def test_the_refresh_reports_ocr_and_the_notice_answers(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    shutil.copy(INGEST / "notice.png", folder / "notice.png")
    kb = make_kb(settings)
    report = kb.refresh([folder])
    (line,) = report.files
    assert line.status == "indexed" and "read by OCR" in line.reason
    answer = coach_over(kb).answer("见习补贴要自己去申请吗？")
    assert not answer.abstained, answer.answer
    assert "个人无需另行提交申请" in answer.answer
    assert answer.citations[0].source.endswith("notice.png")


@pytest.mark.slow
def test_the_scanned_notice_of_the_corpus_becomes_searchable(
    settings: Settings, shared_corpus: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    shutil.copy(shared_corpus / "bad" / "scanned-notice-no-text-layer.pdf", folder / "scan.pdf")
    kb = make_kb(settings)
    report = kb.refresh([folder])
    (line,) = report.files
    assert line.status == "indexed", line.reason
    assert line.reason.startswith("OCR read pages 1, 2")
    chunk = kb.chunks()[0]
    assert chunk.ocr_confidence is not None and chunk.ocr_confidence > 0.9
    answer = coach_over(kb).answer("高质量就业的内涵与标准包括哪些方面？")
    assert not answer.abstained, answer.answer
    assert answer.citations and answer.citations[0].source.endswith("scan.pdf")
    quoted = "".join(c.text for c in answer.citations)
    assert "工作性质" in quoted or "薪资福利" in quoted
