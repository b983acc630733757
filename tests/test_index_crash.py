"""A refresh or removal SIGKILLed at any step leaves the previous index serving the same answers,
readers at that moment see the old generation whole, and the next run completes with exactly
what a fresh build of the same files gives (and nothing left behind).

The child process stops itself at a named step (it prints the step and sleeps), so the kill
lands exactly there however loaded the machine is: no timing is involved.
"""

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

QUERIES = ["一次性求职补贴 低保家庭", "三支一扶 服务期", "创业担保贷款 贴息", "特岗教师 农村学校"]

# Runs one refresh (or removal) of a home and stops for good at the step named in argv[4].
_CHILD = """
import sys, time
from pathlib import Path
from langchain_core.embeddings import Embeddings
from bot.knowledge import build, state
from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from tests.index_fakes import FakeEmbeddings

home, corpus, op, step = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
committed = []

def stop(name):
    if name == step:
        print(name, flush=True)
        time.sleep(600)

def wrap(owner, attr, before=None, after=None):
    real = getattr(owner, attr)
    def patched(*args, **kwargs):
        if before: before()
        out = real(*args, **kwargs)
        if after: after()
        return out
    setattr(owner, attr, patched)

wrap(build.Builder, "add", before=lambda: stop("LOADED"))
wrap(build, "write_segment", after=lambda: stop("SEGMENT"))
wrap(state.FileState, "write", after=lambda: stop("RECORD"))
wrap(state.FileState, "commit", after=lambda: (committed.append(1), stop("COMMITTED")))
wrap(state.FileState, "drop", before=lambda: committed and stop("GC"))

class Slow(FakeEmbeddings):
    def embed_documents(self, texts):
        stop("EMBED")
        return super().embed_documents(texts)

kb = KnowledgeBase(Settings(home=home), embeddings=Slow(), embedding_id="fake:1")
if op == "refresh":
    kb.refresh([corpus])
else:
    kb.remove(str(corpus / op))
print("DONE", flush=True)
"""


def answers(kb: KnowledgeBase) -> list[list[tuple[str, float, float, float]]]:
    out = []
    for q in QUERIES:
        hits = kb.search(q, k=50)
        rows = [
            (
                h.chunk_id,
                round(h.score, 6),
                round(h.dense_score or 0, 5),
                round(h.lexical_score or 0, 5),
            )
            for h in hits
        ]
        out.append(sorted(rows))
    return out


def fresh_kb(home: Path) -> KnowledgeBase:
    return KnowledgeBase(Settings(home=home), embeddings=FakeEmbeddings(), embedding_id="fake:1")


def prepare(home: Path, corpus: Path) -> None:
    """Two generations (so clean-up has an old one to drop) over five documents."""
    shutil.copytree(FIXTURES / "index" / "policies", corpus)
    kb = fresh_kb(home)
    kb.refresh([corpus])
    shutil.copy(FIXTURES / "index" / "more" / "teacher.md", corpus / "teacher.md")
    kb.refresh([corpus])


def change(corpus: Path, op: str) -> None:
    """Change the files the way the operation under test will see them."""
    if op == "add":
        shutil.copy(FIXTURES / "index" / "more" / "trainee.md", corpus / "trainee.md")
    elif op == "change":
        doc = corpus / "sanzhi-yifu.md"
        doc.write_text(doc.read_text(encoding="utf-8") + "\n\n补充：服务期满可以续聘。\n", "utf-8")


def expected(tmp_path: Path, corpus: Path, op: str) -> list[list[tuple[str, float, float, float]]]:
    """What a fresh build of the final files answers (chunk ids do not depend on paths)."""
    final = tmp_path / "final"
    shutil.copytree(corpus, final)
    if op == "remove":
        (final / "startup-loan.md").unlink()
    kb = fresh_kb(tmp_path / "fresh")
    kb.refresh([final])
    return answers(kb)


def run_child(home: Path, corpus: Path, op: str, step: str) -> subprocess.Popen[str]:
    arg = "refresh" if op != "remove" else "startup-loan.md"
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(home), str(corpus), arg, step],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


CASES = [
    ("add", "EMBED"),
    ("add", "SEGMENT"),
    ("add", "RECORD"),
    ("add", "COMMITTED"),
    ("add", "GC"),
    ("change", "LOADED"),
    ("change", "SEGMENT"),
    ("change", "RECORD"),
    ("change", "COMMITTED"),
    ("remove", "RECORD"),
    ("remove", "COMMITTED"),
    ("remove", "GC"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("op", "step"), CASES)
def test_sigkill_at_each_step_keeps_the_index_whole(tmp_path: Path, op: str, step: str) -> None:
    home = tmp_path / "home"
    corpus = tmp_path / "corpus"
    prepare(home, corpus)
    change(corpus, op)
    kb = fresh_kb(home)
    before_n = kb.state.pointer()
    before = answers(fresh_kb(home))
    assert all(before)

    proc = run_child(home, corpus, op, step)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == step, (
            f"child stopped at {line!r}: {proc.stderr.read() if proc.stderr else ''}"
        )
        reader = fresh_kb(home)  # a reader at this very moment sees one whole generation
        committed = step in ("COMMITTED", "GC")
        if not committed:
            assert reader.state.pointer() == before_n
            assert answers(reader) == before
            assert not reader.status().degraded
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    after = fresh_kb(home)
    assert not after.status().degraded
    if not committed:
        assert after.state.pointer() == before_n and answers(after) == before
    want = expected(tmp_path, corpus, op)
    if op == "remove":
        if not committed:
            assert after.remove(str(corpus / "startup-loan.md"))
        report = after.refresh([corpus / "teacher.md"])  # unchanged: only clean-up to do
        assert report.ok and not report.new_generation and not report.warnings
    else:
        report = after.refresh([corpus])
        assert report.ok and not report.warnings, report.warnings
    assert answers(after) == want
    # nothing left behind: two generations at most, and only segments they use
    state = after.state
    kept = [state.read(m) for m in state.generations()]
    assert len(kept) <= 2
    assert set(state.segment_ids()) == {s for r in kept for s in r.segments}
    assert not list((home / "index" / "segments").glob(".tmp-*"))


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
