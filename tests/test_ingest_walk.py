"""File-system boundaries of a refresh: links that leave the roots, broken links, FIFOs, names."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.embedding_cache import CachedEmbeddings, EmbeddingCache
from bot.knowledge.manifest import FileReport
from bot.knowledge.walk import collect, printable
from bot.settings import Settings
from tests.conftest import FIXTURES
from tests.index_fakes import FakeEmbeddings


def make_kb(settings: Settings) -> KnowledgeBase:
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
    emb = CachedEmbeddings(FakeEmbeddings(), cache, namespace="fake:1")
    return KnowledgeBase(settings, embeddings=emb, embedding_id="fake:1")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    dest = tmp_path / "kb"
    shutil.copytree(FIXTURES / "index" / "policies", dest)
    return dest


def by_name(reports: list[FileReport]) -> dict[str, FileReport]:
    return {Path(r.path).name: r for r in reports}


def test_a_link_out_of_the_folder_is_reported_and_never_indexed(
    settings: Settings, folder: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "outside" / "passwd.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:超级用户口令条目，不属于知识库的内容\n" * 3, encoding="utf-8")
    (folder / "passwd.txt").symlink_to(secret)
    (folder / "etc").symlink_to(secret.parent, target_is_directory=True)
    kb = make_kb(settings)
    report = kb.refresh([folder])
    got = by_name(report.files)
    for name in ("passwd.txt", "etc"):
        assert got[name].status == "skipped"
        assert "leaves the knowledge folder" in got[name].reason
        assert str(secret.parent) in got[name].reason
    assert all(str(secret) != d.path for d in kb.documents())
    assert not [h for h in kb.search("超级用户口令条目", k=5) if "root:x" in h.text]


def test_a_link_inside_the_folder_is_read_once(folder: Path) -> None:
    (folder / "alias.md").symlink_to(folder / "sanzhi-yifu.md")
    files, reports, _ = collect([folder])
    assert files.count(folder / "sanzhi-yifu.md") == 1
    assert folder / "alias.md" not in files
    assert not reports


def test_broken_links_and_fifos_are_reported_not_skipped_silently(folder: Path) -> None:
    (folder / "gone.md").symlink_to(folder / "no-such-file.md")
    (folder / "loop.md").symlink_to(folder / "loop.md")
    os.mkfifo(folder / "pipe.txt")
    files, reports, _ = collect([folder])
    got = by_name(reports)
    assert got["gone.md"].status == "failed" and "broken symbolic link" in got["gone.md"].reason
    assert got["loop.md"].status == "failed"
    assert got["pipe.txt"].status == "skipped" and "FIFO" in got["pipe.txt"].reason
    assert folder / "pipe.txt" not in files


def test_a_fifo_does_not_block_the_refresh(settings: Settings, folder: Path) -> None:
    os.mkfifo(folder / "pipe.md")  # opening it for reading would wait for a writer forever
    report = make_kb(settings).refresh([folder])
    assert by_name(report.files)["pipe.md"].status == "skipped"
    assert by_name(report.files)["sanzhi-yifu.md"].status == "indexed"


def test_a_given_root_that_is_a_broken_link_is_named(tmp_path: Path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    _, reports, roots = collect([tmp_path / "dangling"])
    assert not roots
    assert reports[0].status == "failed" and "broken symbolic link" in reports[0].reason


def test_control_characters_in_names_are_escaped_in_reports(
    settings: Settings, folder: Path
) -> None:
    evil = folder / "a\n[indexed] fake.md"
    evil.write_text("# 标题\n\n这是一个名字里带换行的文件，内容本身正常。\n", encoding="utf-8")
    ansi = folder / "b\x1b[2Jclear.md"
    ansi.write_text("# 另一个\n\n名字里带终端控制序列的文件，内容本身正常。\n", encoding="utf-8")
    report = make_kb(settings).refresh([folder])
    shown = [f.path for f in report.files]
    assert not any("\n" in p or "\x1b" in p for p in shown)
    assert any(p.endswith("a\\n[indexed] fake.md") for p in shown)
    assert any("b\\x1b[2Jclear.md" in p for p in shown)
    assert printable("ok\u2028line\x07") == "ok\\u2028line\\x07"
