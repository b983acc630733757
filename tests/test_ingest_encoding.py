"""Text encodings and file-type detection."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bot.errors import IngestError
from bot.knowledge.encoding import decode_text, plausibility
from bot.knowledge.filetype import sniff
from tests.conftest import FIXTURES

INGEST = FIXTURES / "ingest"
SAMPLE = "一次性求职补贴面向困难家庭毕业生。\n申请时间一般在毕业学年内。\n"


@pytest.mark.parametrize(
    "name", ["gb18030.txt", "utf8-bom.txt", "utf16le-bom.txt", "utf16be-nobom.txt"]
)
def test_fixture_encodings_decode_to_the_same_text(name: str) -> None:
    assert decode_text((INGEST / name).read_bytes(), name) == SAMPLE


@pytest.mark.parametrize(
    "codec", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le", "utf-16-be"]
)
def test_every_supported_encoding_round_trips(codec: str) -> None:
    text = "三支一扶计划招募高校毕业生到基层从事支农、支教、支医和帮扶乡村振兴工作，服务期2年。\n"
    assert decode_text((text * 3).encode(codec), "x.txt") == text * 3


def test_gb18030_only_characters_are_decoded() -> None:
    text = "𠀀 is outside GBK; 就业见习补贴按月发放。"  # U+20000 needs GB18030 four-byte codes
    assert decode_text(text.encode("gb18030"), "x.txt") == text


def test_english_ascii_text_is_utf8() -> None:
    assert decode_text(b"Graduates may apply online.\n", "x.txt") == "Graduates may apply online.\n"


def test_binary_garbage_is_refused() -> None:
    with pytest.raises(IngestError) as info:
        decode_text((INGEST / "garbage.txt").read_bytes(), "garbage.txt")
    assert "binary" in info.value.reason


def test_high_bytes_without_nul_that_are_not_text_are_refused() -> None:
    data = bytes(range(0x80, 0x100)) * 8 + bytes(range(1, 32)) * 8
    with pytest.raises(IngestError):
        decode_text(data, "x.txt")


def test_plausibility_scores_mojibake_low() -> None:
    good = "高校毕业生就业服务体系"
    bad = good.encode("gb18030").decode("latin-1")
    assert plausibility(good) == 1.0
    assert plausibility(bad) < 0.9


def test_sniff_tells_types_from_bytes(tmp_path: Path) -> None:
    docx_bytes = (INGEST / "guide.docx").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert sniff((INGEST / "notice.pdf").read_bytes()) == "pdf"
    assert sniff(docx_bytes) == "docx"
    assert sniff(buffer.getvalue()) == "zip:XLSX"
    assert sniff(b"<!DOCTYPE html><html><body>x</body></html>") == "html"
    assert sniff("<html><body>就业</body></html>".encode("utf-16")) == "html"
    assert sniff(b"\x89PNG\r\n\x1a\n....") == "image"
    assert sniff("普通文本".encode()) == "text"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_english_utf16_without_bom_picks_the_right_byte_order(codec: str) -> None:
    text = "Graduates may apply for the job-seeking subsidy in May.\n"
    assert decode_text(text.encode(codec), "x.txt") == text


def test_mixed_utf16_without_bom() -> None:
    text = "2025年AI岗位 (new jobs) 增长明显。\n" * 3
    assert decode_text(text.encode("utf-16-be"), "x.txt") == text
