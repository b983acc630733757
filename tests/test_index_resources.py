"""A long-running reader keeps its file descriptors, threads and open segments flat however
often the index is switched under it (the leak of issue 14: ~11 fds and 4-5 threads a switch)."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from tests.conftest import FIXTURES
from tests.index_fakes import FakeEmbeddings

SWITCHES = 50


def _counts() -> tuple[int, int, int]:
    return (
        len(os.listdir("/proc/self/fd")),
        threading.active_count(),
        len(os.listdir("/proc/self/task")),
    )


def test_fds_threads_and_segments_stay_flat_over_50_switches(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "index" / "policies", corpus)
    writer = KnowledgeBase(settings, embeddings=FakeEmbeddings(), embedding_id="fake:1")
    reader = KnowledgeBase(settings, embeddings=FakeEmbeddings(), embedding_id="fake:1")
    changing = corpus / "changing.md"

    def switch(i: int) -> None:
        changing.write_text(f"# 第{i}次通知\n\n见习补贴第{i}批名单公布。\n", encoding="utf-8")
        report = writer.refresh([corpus])
        assert report.ok and report.new_generation
        hits = reader.search(f"第{i}批 见习补贴", k=1)  # the reader switched to it
        assert hits and f"第{i}批" in hits[0].text
        with reader.reading() as gen:
            used = set(gen.record.segments)
        assert reader._pool.ids() == used  # only the serving generation's segments are open

    for i in range(3):  # warm-up: jieba, lazy imports, first vocabularies
        switch(i)
    before = _counts()
    for i in range(3, 3 + SWITCHES):
        switch(i)
    after = _counts()
    assert after[0] <= before[0] + 2, (before, after)  # descriptors
    assert after[1] <= before[1] and after[2] <= before[2] + 1, (before, after)  # threads
    assert len(writer.state.generations()) <= 2
    assert len(writer.state.segment_ids()) <= 12  # merged as they accumulate
