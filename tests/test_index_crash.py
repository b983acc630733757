"""A refresh SIGKILLed at several points leaves the previous index serving the same answers,
queries keep working while a refresh runs, and the next refresh completes."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from tests.conftest import FIXTURES, REPO
from tests.index_fakes import FakeEmbeddings

QUERIES = ["一次性求职补贴 低保家庭", "三支一扶 服务期", "创业担保贷款 贴息"]

_REFRESH = """
import sys
from pathlib import Path
from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from tests.index_fakes import FakeEmbeddings
kb = KnowledgeBase(Settings(home=Path(sys.argv[1])), embedding_id="fake:1",
                   embeddings=FakeEmbeddings(delay=0.15, announce=True))
kb.refresh([Path(sys.argv[2])], progress=lambda d, t, p: print("FILE", d, flush=True))
print("DONE", flush=True)
"""


def answers(kb: KnowledgeBase) -> list[list[tuple[str, float]]]:
    return [[(h.chunk_id, round(h.score, 6)) for h in kb.search(q, k=4)] for q in QUERIES]


def _kill_when(proc: subprocess.Popen[str], marker: str, home: Path, kb: KnowledgeBase,
               before: list[list[tuple[str, float]]]) -> bool:  # fmt: skip
    """Read the child's output until ``marker`` (a line, or a path under home) shows up."""
    assert proc.stdout is not None
    while True:
        if marker.startswith("path:"):  # poll the disk: the build writes no lines
            if (home / marker.removeprefix("path:")).exists():
                break
            time.sleep(0.002)
            line = "" if proc.poll() is not None else "running"
        else:
            line = proc.stdout.readline()
            if line.strip() == marker:
                break
        if not line:
            return False  # finished before the marker: nothing was killed
        if marker.startswith("path:"):
            continue
        now = answers(kb)
        if kb.layout.current() == 1:  # a refresh is running: queries answer as before
            assert now == before
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return True


@pytest.mark.slow
@pytest.mark.parametrize("marker", ["FILE 2", "EMBED 4", "path:index/gen-000002/chroma"])
def test_sigkill_midway_keeps_the_old_index(tmp_path: Path, marker: str) -> None:
    settings = Settings(home=tmp_path / "home")
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "index" / "policies", corpus)
    kb = KnowledgeBase(settings, embeddings=FakeEmbeddings(), embedding_id="fake:1")
    kb.refresh([corpus])
    before = answers(kb)
    assert all(before)

    for src in (FIXTURES / "index" / "more").glob("*.md"):
        shutil.copy(src, corpus / src.name)
    changed = corpus / "sanzhi-yifu.md"
    extra = "\n\n补充：服务期满可以续聘。\n"
    changed.write_text(changed.read_text(encoding="utf-8") + extra, "utf-8")

    proc = subprocess.Popen(
        [sys.executable, "-c", _REFRESH, str(settings.home), str(corpus)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        killed = _kill_when(proc, marker, settings.home, kb, before)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert killed or marker.startswith("path:"), "the refresh ended before the kill point"
    print("killed at", marker, killed)
    if killed:
        assert kb.layout.current() == 1
        fresh = KnowledgeBase(settings, embeddings=FakeEmbeddings(), embedding_id="fake:1")
        assert answers(fresh) == before
        assert fresh.status().documents == 4

    report = kb.refresh([corpus])
    assert report.ok and kb.layout.current() == 2
    assert kb.layout.generations() == [1, 2]  # the crashed attempt was replaced, gen 1 kept
    assert {Path(d.path).name for d in kb.documents()} >= {"teacher.md", "trainee.md"}
    assert any("续聘" in h.text for h in kb.search("三支一扶 续聘", k=3))


def test_reader_follows_a_refresh_by_another_object(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "index" / "policies", corpus)
    writer = KnowledgeBase(settings, embeddings=FakeEmbeddings(), embedding_id="fake:1")
    reader = KnowledgeBase(settings, embeddings=FakeEmbeddings(), embedding_id="fake:1")
    writer.refresh([corpus])
    assert reader.status().documents == 4
    shutil.copy(FIXTURES / "index" / "more" / "teacher.md", corpus / "teacher.md")
    writer.refresh([corpus])
    t0 = time.perf_counter()
    hits = reader.search("特岗教师 农村学校", k=2)
    assert hits and hits[0].source.endswith("teacher.md"), time.perf_counter() - t0
