"""Client-server mode: the index keeps its vectors on a real ``chroma run`` server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from tests.conftest import FIXTURES, REPO
from tests.index_fakes import FakeEmbeddings
from tests.local_server import free_port, running

CHROMA = REPO / ".venv" / "bin" / "chroma"


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    exe = CHROMA if CHROMA.exists() else shutil.which("chroma")
    if exe is None:
        pytest.skip("the chroma CLI is not installed")
    port = free_port()
    command = [str(exe), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1"]
    url = f"http://127.0.0.1:{port}"
    with running([*command, "--port", str(port)], f"{url}/api/v2/heartbeat", "chroma run"):
        yield url


@pytest.mark.slow
def test_refresh_and_search_through_a_chroma_server(tmp_path: Path, chroma_url: str) -> None:
    import chromadb

    settings = Settings(home=tmp_path / "home", chroma_url=chroma_url)
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "index" / "policies", corpus)
    kb = KnowledgeBase(settings, embeddings=FakeEmbeddings(), embedding_id="fake:1")
    assert kb.refresh([corpus]).ok
    assert not (kb.layout.gen_dir(1) / "chroma").exists()  # vectors live on the server
    hits = kb.search("三支一扶 服务期", k=3)
    assert hits[0].source.endswith("sanzhi-yifu.md") and hits[0].dense_score is not None
    assert kb.status().chroma == chroma_url

    for name in ("teacher.md", "trainee.md"):
        shutil.copy(FIXTURES / "index" / "more" / name, corpus / name)
        kb.refresh([corpus])
    assert kb.layout.current() == 3
    client = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_url.rsplit(":", 1)[1]))
    names = sorted(c.name for c in client.list_collections())
    assert [n.rsplit("-", 1)[1] for n in names] == ["2", "3"]  # generation 1 was dropped
    reader = KnowledgeBase(settings, embeddings=FakeEmbeddings(), embedding_id="fake:1")
    assert reader.search("特岗教师", k=1)[0].source.endswith("teacher.md")
