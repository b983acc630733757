"""The public ingestion API others code against: load_source and chunk_document."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import IngestError
from bot.knowledge.chunking import chunk_document, count_tokens
from bot.knowledge.loaders import SUPPORTED_SUFFIXES, load_source


def test_text_file_loads_and_chunks(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("一次性求职补贴面向困难家庭毕业生。\n\n申请在毕业学年。", encoding="utf-8")
    doc = load_source(src, max_bytes=10_000)
    assert doc.file_type == "txt"
    assert "一次性求职补贴" in doc.text
    chunks = chunk_document(doc, chunk_tokens=320, overlap_tokens=48)
    assert chunks and all(c.doc_id == doc.doc_id for c in chunks)
    assert all(c.token_count == count_tokens(c.text) for c in chunks)


def test_same_text_other_name_same_doc_id(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.md"
    a.write_text("同一段内容。", encoding="utf-8")
    b.write_text("同一段内容。", encoding="utf-8")
    assert load_source(a, max_bytes=1000).doc_id == load_source(b, max_bytes=1000).doc_id


def test_unsupported_suffix_is_skipped(tmp_path: Path) -> None:
    src = tmp_path / "sheet.xlsx"
    src.write_bytes(b"x")
    with pytest.raises(IngestError) as info:
        load_source(src, max_bytes=1000)
    assert info.value.status == "skipped"
    assert ".xlsx" in info.value.reason
    assert ".txt" in SUPPORTED_SUFFIXES
