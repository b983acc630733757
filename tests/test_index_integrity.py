"""The index is never silently lost: a damaged pointer, record, segment or vector file is either
served around (from the kept previous generation, or what can be read) or reported in words,
never taken for an empty index, never deleted or rebuilt over without a word; ``kb check``
says what is wrong and ``--repair`` mends it from the files and the embedding cache."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.cli import main
from bot.cli.serve import index_if_empty
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.embedding_cache import CachedEmbeddings, EmbeddingCache
from bot.settings import Settings
from tests.conftest import FIXTURES
from tests.index_fakes import FakeEmbeddings
from tests.ui_fakes import make_services
from ui.api import build_api

QUERIES = ["一次性求职补贴 低保家庭", "三支一扶 服务期", "创业担保贷款 贴息", "特岗教师 农村学校"]


def make(settings: Settings) -> tuple[KnowledgeBase, FakeEmbeddings]:
    fake = FakeEmbeddings()
    cached = CachedEmbeddings(
        fake, EmbeddingCache(settings.cache_dir / "embeddings.sqlite3"), namespace="fake:1"
    )
    return KnowledgeBase(settings, embeddings=cached, embedding_id="fake:1"), fake


def answers(kb: KnowledgeBase) -> list[list[str]]:
    return [sorted(h.chunk_id for h in kb.search(q, k=50)) for q in QUERIES]


@pytest.fixture
def built(settings: Settings, tmp_path: Path) -> tuple[Settings, Path, list[list[str]]]:
    """Two generations of five documents; the answers of the second."""
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "index" / "policies", corpus)
    kb, _ = make(settings)
    kb.refresh([corpus])
    shutil.copy(FIXTURES / "index" / "more" / "teacher.md", corpus / "teacher.md")
    kb.refresh([corpus])
    return settings, corpus, answers(kb)


def index(settings: Settings) -> Path:
    return settings.index_dir


def _first_segment(settings: Settings) -> Path:
    kb, _ = make(settings)
    record = kb.state.read(2)
    return index(settings) / "segments" / record.segments[0]


DAMAGE: dict[str, Callable[[Settings], None]] = {
    "pointer empty": lambda s: (index(s) / "CURRENT").write_text(""),
    "pointer missing": lambda s: (index(s) / "CURRENT").unlink(),
    "pointer garbage": lambda s: (index(s) / "CURRENT").write_text("\x00\x17garbage"),
    "pointer names a missing generation": lambda s: (index(s) / "CURRENT").write_text("99\n"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_pointer_serves_the_newest_whole_generation(
    built: tuple[Settings, Path, list[list[str]]], damage: str
) -> None:
    settings, corpus, before = built
    DAMAGE[damage](settings)
    kb, fake = make(settings)
    status = kb.status()
    assert status.documents == 5 and status.generation == 2  # not read as "empty"
    assert "pointer" in status.degraded
    assert answers(kb) == before
    assert index_if_empty(kb, FIXTURES / "index" / "more") is None  # no "first start" rebuild
    report = kb.refresh([corpus])
    assert report.ok and report.new_generation and any("pointer" in w for w in report.warnings)
    assert fake.embedded == 0  # nothing embedded again: the rows were carried over
    fresh, _ = make(settings)
    assert not fresh.status().degraded and fresh.status().documents == 5
    assert answers(fresh) == before


def test_a_missing_record_falls_back_to_the_previous_generation(
    built: tuple[Settings, Path, list[list[str]]],
) -> None:
    settings, corpus, before = built
    (index(settings) / "generations" / "gen-000002.json").unlink()
    kb, _ = make(settings)
    status = kb.status()
    assert status.generation == 1 and status.documents == 4
    assert "generation 2" in status.degraded and "serving generation 1" in status.degraded
    report = kb.refresh([corpus])
    assert report.ok and report.generation == 3
    assert {f.status for f in report.files} >= {"indexed", "unchanged"}  # teacher.md again
    assert answers(kb) == before and not kb.status().degraded


def test_a_truncated_record_is_kept_reported_and_repaired(
    built: tuple[Settings, Path, list[list[str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    settings, corpus, _ = built
    record = index(settings) / "generations" / "gen-000002.json"
    record.write_bytes(record.read_bytes()[:200])
    kb, _ = make(settings)
    assert kb.status().generation == 1 and "unreadable record" in kb.status().degraded

    (corpus / "western-plan.txt").write_text("西部计划 志愿服务期一至三年。\n", encoding="utf-8")
    report = kb.refresh([corpus])
    assert report.ok and report.generation == 3
    # the unreadable record is not deleted by a refresh, and nothing else is either
    assert record.exists()
    assert any("nothing was deleted" in w for w in report.warnings)

    code = _cli(capsys, settings, "kb", "check")
    out = capsys.readouterr().out
    assert code == 1 and "generation 2" in out and "unreadable" in out

    repaired = kb.check(repair=True)
    assert repaired.whole and any("deleted generation 2" in a for a in repaired.actions)
    assert not record.exists()
    assert kb.status().documents == 5 and not kb.status().degraded


def _cli(capsys: pytest.CaptureFixture[str], settings: Settings, *argv: str) -> int:
    """The CLI on this home (the autouse fixture already points CAREERCOACH_HOME at it)."""
    assert str(settings.home) == __import__("os").environ["CAREERCOACH_HOME"]
    return main(list(argv))


SEGMENT_DAMAGE: dict[str, Callable[[Path], None]] = {
    "vectors deleted": lambda seg: (seg / "vectors.npy").unlink(),
    "chunks truncated": lambda seg: (seg / "chunks.jsonl").write_bytes(
        (seg / "chunks.jsonl").read_bytes()[:-40]
    ),
    "postings missing": lambda seg: (seg / "post_rows.npy").unlink(),
    "segment deleted": lambda seg: shutil.rmtree(seg),
}


@pytest.mark.parametrize("damage", list(SEGMENT_DAMAGE))
def test_a_damaged_segment_is_served_around_and_rebuilt_from_the_files(
    built: tuple[Settings, Path, list[list[str]]], damage: str
) -> None:
    settings, corpus, before = built
    SEGMENT_DAMAGE[damage](_first_segment(settings))  # holds the first four documents
    kb, fake = make(settings)
    status = kb.status()
    assert status.degraded and "segment" in status.degraded
    assert status.documents == 1  # what is readable still answers (teacher.md)
    assert kb.search("特岗教师 农村学校", k=1)
    assert index_if_empty(kb, FIXTURES / "index" / "more") is None

    report = kb.refresh([corpus])  # no file changed, yet the damage is mended
    assert report.ok and report.new_generation
    assert any("loaded again" in w for w in report.warnings)
    assert fake.embedded == 0  # vectors from the embedding cache
    fresh, _ = make(settings)
    assert not fresh.status().degraded and answers(fresh) == before
    assert fresh.check().whole


def test_everything_gone_is_degraded_not_empty_and_repair_rebuilds(
    built: tuple[Settings, Path, list[list[str]]],
) -> None:
    settings, _, before = built
    shutil.rmtree(index(settings) / "segments")
    kb, _ = make(settings)
    status = kb.status()
    assert status.documents == 0 and status.degraded
    assert index_if_empty(kb, FIXTURES / "index" / "more") is None  # the starter KB stays out
    result = kb.check(repair=True)
    assert result.whole, result.problems
    assert kb.status().documents == 5 and answers(kb) == before


def test_health_reports_a_degraded_index(
    built: tuple[Settings, Path, list[list[str]]],
) -> None:
    settings, _, _ = built
    services, *_ = make_services(settings)
    kb, _ = make(settings)
    app = FastAPI()
    app.include_router(build_api(dataclasses.replace(services, kb=kb)))
    http = TestClient(app)
    assert http.get("/api/health").json()["status"] == "ok"
    (index(settings) / "CURRENT").write_text("")
    body = http.get("/api/health").json()
    assert body["status"] == "degraded" and body["documents"] == 5


def test_check_of_a_whole_index_finds_nothing_and_repair_changes_nothing(
    built: tuple[Settings, Path, list[list[str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    settings, _, before = built
    assert _cli(capsys, settings, "kb", "check") == 0
    assert "the index is whole" in capsys.readouterr().out
    kb, fake = make(settings)
    result = kb.check(repair=True)
    assert result.whole and not result.problems and kb.status().generation == 2
    assert answers(kb) == before and fake.embedded == 0
    # a flipped byte keeps the size: only the checksum finds it
    seg = _first_segment(settings) / "chunks.jsonl"
    data = bytearray(seg.read_bytes())
    data[10] ^= 0x01
    seg.write_bytes(bytes(data))
    found = kb.check()
    assert not found.whole and any("checksum" in p for p in found.problems)
    assert kb.check(repair=True).whole and answers(make(settings)[0]) == before
