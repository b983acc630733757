"""Sharing a knowledge base through a real ``chroma run`` server and a real PostgreSQL server.

Two homes on one machine stand in for two machines. With PostgreSQL the homes are replicas of
one knowledge base: a refresh on either is seen by the other within the poll interval, one
refresh runs at a time (an advisory lock), and a home copied from another (rsync, a baked image)
is just one more replica. Without PostgreSQL each home is its own knowledge base: a copy gets
its own collection at its first refresh and never touches the original's.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.errors import KnowledgeIndexError
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import SearchFilters
from bot.settings import Settings
from tests.chroma_server import chroma_server
from tests.conftest import FIXTURES
from tests.index_fakes import FakeEmbeddings

MORE = FIXTURES / "index" / "more"


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    with chroma_server(tmp_path / "chroma-server") as url:
        yield url


@pytest.fixture
def database(postgres_server: Any) -> Iterator[str]:
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


def make(home: Path, **settings: Any) -> KnowledgeBase:
    return KnowledgeBase(
        Settings(home=home, kb_poll_s=0.2, **settings),
        embeddings=FakeEmbeddings(),
        embedding_id="fake:1",
    )


def collections(url: str) -> dict[str, int]:
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=int(url.rsplit(":", 1)[1]))
    return {c.name: c.count() for c in client.list_collections()}


def wait_for(check: Any, what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not seen within {timeout_s:.0f} s: {what}")
        time.sleep(0.1)


def titles(kb: KnowledgeBase, query: str, **filters: Any) -> list[str]:
    hits = kb.search(query, k=20, filters=SearchFilters(**filters) if filters else None)
    return sorted({h.title for h in hits})


@pytest.mark.slow
def test_vectors_on_a_server_answer_like_local_ones(tmp_path: Path, chroma_url: str) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "index", corpus)
    server = make(tmp_path / "server-home", chroma_url=chroma_url)
    local = make(tmp_path / "local-home")
    assert server.refresh([corpus]).ok and local.refresh([corpus]).ok
    assert not list((tmp_path / "server-home").rglob("vectors.npy"))  # vectors live there
    assert list((tmp_path / "local-home").rglob("vectors.npy"))
    assert server.status().chroma == chroma_url
    for query, filters in [
        ("三支一扶 服务期", {}),
        ("见习补贴", {"region": "上海"}),
        ("见习补贴", {"doc_type": "subsidy_rule"}),
        ("北京 见习补贴", {"valid_on": __import__("datetime").date(2020, 6, 1)}),
    ]:
        a = server.search(query, k=5, filters=SearchFilters(**filters))
        b = local.search(query, k=5, filters=SearchFilters(**filters))
        assert [h.chunk_id for h in a] == [h.chunk_id for h in b], (query, filters)
        assert all(h.dense_score is not None for h in a)
        for x, y in zip(a, b, strict=True):
            assert x.dense_score == pytest.approx(y.dense_score, abs=1e-4)

    # one collection for the knowledge base; rows follow changes and removals
    server.remove(str(corpus / "policies" / "startup-loan.md"))
    server.refresh([corpus / "more" / "teacher.md"])  # clean-up of the removal's old rows
    (name,) = collections(chroma_url)
    assert name.startswith(f"cc-{server.state.kb_id()}-")
    assert collections(chroma_url)[name] >= server.status().chunks


@pytest.mark.slow
@pytest.mark.postgres
def test_two_homes_share_one_knowledge_base(tmp_path: Path, chroma_url: str, database: str) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "index" / "policies", corpus)
    shared = {"chroma_url": chroma_url, "database_url": database}
    a = make(tmp_path / "machine-a", **shared)
    b = make(tmp_path / "machine-b", **shared)
    assert a.refresh([corpus]).ok
    assert b.status().documents == 4 and b.status().state.startswith("postgresql")
    assert any("三支一扶" in t for t in titles(b, "三支一扶 服务期"))
    assert not (tmp_path / "machine-a" / "index" / "CURRENT").exists()  # state is in the database

    shutil.copy(MORE / "teacher.md", corpus / "teacher.md")
    assert b.refresh([corpus]).counts == {"unchanged": 4, "indexed": 1}
    wait_for(lambda: any("特岗" in t for t in titles(a, "特岗教师 农村学校")), "b's refresh on a")

    with a.state.lock(), pytest.raises(KnowledgeIndexError, match="another refresh"):
        b.refresh([corpus])
    assert b.refresh([corpus]).ok  # the lock was released with a's connection

    shutil.copy(MORE / "trainee.md", corpus / "trainee.md")
    report = a.refresh([corpus])
    assert report.ok and report.generation == 3 and report.embedded == 1
    wait_for(lambda: b.status().documents == 6, "a's second refresh on b")
    assert len(collections(chroma_url)) == 1


@pytest.mark.slow
@pytest.mark.postgres
def test_copied_home_is_one_more_replica(tmp_path: Path, chroma_url: str, database: str) -> None:
    """The sequence that broke before: copy a home, refresh the original twice, use the copy,
    refresh the copy, use the original."""
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "index" / "policies", corpus)
    shared = {"chroma_url": chroma_url, "database_url": database}
    original = make(tmp_path / "machine-a", **shared)
    assert original.refresh([corpus]).ok
    original.search("三支一扶", k=2)
    shutil.copytree(tmp_path / "machine-a", tmp_path / "machine-b")  # rsync / a baked image
    copy = make(tmp_path / "machine-b", **shared)

    for name in ("teacher.md", "trainee.md"):
        shutil.copy(MORE / name, corpus / name)
        assert original.refresh([corpus]).ok
    wait_for(lambda: copy.status().documents == 6, "the original's refreshes on the copy")
    assert any("特岗" in t for t in titles(copy, "特岗教师"))

    doc = corpus / "sanzhi-yifu.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n\n补充：服务期满可以续聘。\n", "utf-8")
    report = copy.refresh([corpus])
    assert report.ok and report.counts["indexed"] == 1 and not report.warnings
    wait_for(lambda: any("续聘" in h.text for h in original.search("三支一扶 续聘", k=3)), "续聘")
    for kb in (original, copy):
        assert not kb.status().degraded and kb.check().whole
        assert kb.search("创业担保贷款", k=1)
    assert len(collections(chroma_url)) == 1


@pytest.mark.slow
def test_copied_home_without_a_database_gets_its_own_collection(
    tmp_path: Path, chroma_url: str
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "index" / "policies", corpus)
    original = make(tmp_path / "machine-a", chroma_url=chroma_url)
    assert original.refresh([corpus]).ok
    shutil.copytree(tmp_path / "machine-a", tmp_path / "machine-b")
    copy = make(tmp_path / "machine-b", chroma_url=chroma_url)
    for name in ("teacher.md", "trainee.md"):
        shutil.copy(MORE / name, corpus / name)
        assert original.refresh([corpus]).ok
    mine = {n: c for n, c in collections(chroma_url).items()}
    assert copy.search("三支一扶 服务期", k=2)  # reads the original's rows, writes nothing

    report = copy.refresh([corpus])
    assert report.ok and any("copied" in w for w in report.warnings)
    after = collections(chroma_url)
    assert len(after) == 2 and {n: after[n] for n in mine} == mine  # the original's untouched
    assert copy.state.kb_id() != original.state.kb_id()
    for kb in (original, copy):
        assert kb.status().documents == 6 and not kb.status().degraded
        assert any("特岗" in t for t in titles(kb, "特岗教师"))
    again = original.refresh([corpus / "sanzhi-yifu.md"], force=True)
    assert again.ok and collections(chroma_url)[next(iter(mine))] >= original.status().chunks
