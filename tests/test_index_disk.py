"""A full disk stops a refresh with the reason in words; the previous index keeps serving, nothing
half-written is left, and the next refresh (with space again) completes.

The real case runs on a small tmpfs mounted for the test (as root, where mounting is allowed);
the same path is also checked everywhere with writes that fail as a full disk does."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.errors import KnowledgeIndexError
from bot.knowledge import segment
from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from tests.conftest import FIXTURES
from tests.index_fakes import FakeEmbeddings

MORE = FIXTURES / "index" / "more"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", str(mount)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Write zeros until the file system is full; returns the filler file."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as fh:
        for size in (65536, 4096, 512, 1):  # to the last byte
            try:
                while True:
                    fh.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


def answers(kb: KnowledgeBase) -> list[list[str]]:
    queries = ["三支一扶 服务期", "创业担保贷款 贴息", "一次性求职补贴"]
    return [[h.chunk_id for h in kb.search(q, k=5)] for q in queries]


def _refresh_fails_then_recovers(kb: KnowledgeBase, corpus: Path, free: object) -> None:
    before = answers(kb)
    for name in ("teacher.md", "trainee.md"):
        shutil.copy(MORE / name, corpus / name)
    with pytest.raises(KnowledgeIndexError) as caught:
        kb.refresh([corpus])
    error = caught.value
    assert "no space left" in error.message and "generation 1 keeps serving" in error.message
    assert "磁盘空间不足" in error.message_zh
    assert kb.state.pointer() == 1 and not kb.status().degraded
    assert answers(kb) == before and kb.status().documents == 4
    assert not list((kb.settings.index_dir / "segments").glob(".tmp-*"))
    free()  # type: ignore[operator]
    report = kb.refresh([corpus])
    assert report.ok and report.generation == 2 and kb.status().documents == 6


def test_a_full_tmpfs_stops_the_refresh_in_words(small_disk: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "index" / "policies", corpus)
    kb = KnowledgeBase(
        Settings(home=small_disk / "home"), embeddings=FakeEmbeddings(), embedding_id="fake:1"
    )
    assert kb.refresh([corpus]).ok
    filler = fill(small_disk)
    _refresh_fails_then_recovers(kb, corpus, filler.unlink)


def test_writes_failing_as_on_a_full_disk_stop_the_refresh_in_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "index" / "policies", corpus)
    kb = KnowledgeBase(
        Settings(home=tmp_path / "home"), embeddings=FakeEmbeddings(), embedding_id="fake:1"
    )
    assert kb.refresh([corpus]).ok
    real = segment._save_array

    def full(folder: Path, name: str, array: object) -> None:
        path = folder / f"{name}.npy"
        path.write_bytes(b"\x93NUMPY")  # a first block lands, then the disk is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(segment, "_save_array", full)
    _refresh_fails_then_recovers(
        kb, corpus, lambda: monkeypatch.setattr(segment, "_save_array", real)
    )
