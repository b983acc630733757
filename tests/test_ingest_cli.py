"""``careercoach inspect``: one file read and chunked, or its reason, through the real CLI."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from tests.conftest import FIXTURES

INGEST = FIXTURES / "ingest"


def test_inspect_prints_meta_blocks_and_chunks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(INGEST / "notice.pdf"), "--chunks"]) == 0
    out = capsys.readouterr().out
    assert "[pdf]" in out
    assert "issuer: 省人力资源和社会保障厅" in out
    assert "p2 [一、补贴对象 / （二）特殊困难的毕业生]" in out
    assert "#0 p1" in out and " tok " in out


def test_inspect_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(INGEST / "guide.docx"), "--json", "--chunks"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["file_type"] == "docx"
    assert payload["meta"]["title"] == "创业担保贷款申请指南"
    assert payload["chunks"][0]["doc_id"] == payload["doc_id"]


def test_inspect_bad_file_exits_1_with_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(INGEST / "encrypted.pdf")]) == 1
    err = capsys.readouterr().err
    assert "失败 / failed" in err
    assert "PDF 已加密" in err
    assert "encrypted PDF: remove the password and refresh again" in err
