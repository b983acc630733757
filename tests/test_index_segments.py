"""Segments: BM25 over segments scores exactly like bm25s over the same live chunks, merges keep
every row, and an index grown by many small refreshes (with merges) answers exactly like a fresh
build of the same files."""

from __future__ import annotations

import shutil
from pathlib import Path

import bm25s
import numpy as np
import pytest

from bot.knowledge import build
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.build import plan_merges
from bot.knowledge.lexical import TermLookup, bm25_scores, build_postings
from bot.knowledge.models import Chunk
from bot.knowledge.segment import DocumentRows, Segment, merge, write_segment
from bot.settings import Settings
from tests.conftest import FIXTURES
from tests.index_fakes import FakeEmbeddings


def corpus_tokens(n: int, seed: int = 0) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    words = [f"词{i}" for i in range(60)]
    return [list(rng.choice(words, size=int(rng.integers(2, 40)))) for _ in range(n)]


def bm25s_scores(docs: list[list[str]], query: list[str]) -> np.ndarray:
    index = bm25s.BM25()
    index.index(docs, show_progress=False)
    return np.asarray(index.get_scores([t for t in query if t in index.vocab_dict]))


def test_segment_bm25_equals_bm25s_with_and_without_deleted_rows() -> None:
    docs = corpus_tokens(300)
    query = ["词1", "词2", "词2", "词59", "不在词表"]  # a repeated term counts twice, as in bm25s
    parts = [(0, 120), (120, 250), (250, 300)]
    lookups = [TermLookup(build_postings(docs[a:b])) for a, b in parts]
    everything = [np.ones(b - a, dtype=bool) for a, b in parts]
    got = np.concatenate(bm25_scores(list(zip(lookups, everything, strict=True)), query))
    assert np.allclose(got, bm25s_scores(docs, query), atol=1e-5)

    dead = set(range(10, 40)) | {130, 299}
    live = [np.asarray([i not in dead for i in range(a, b)]) for a, b in parts]
    scores = bm25_scores(list(zip(lookups, live, strict=True)), query)
    got = np.concatenate([s[m] for s, m in zip(scores, live, strict=True)])
    kept = [d for i, d in enumerate(docs) if i not in dead]
    assert np.allclose(got, bm25s_scores(kept, query), atol=1e-5)
    assert all((s[~m] == 0).all() for s, m in zip(scores, live, strict=True))


def _rows(key: str, tokens: list[list[str]], rng: np.random.Generator) -> DocumentRows:
    chunks = [
        Chunk(chunk_id=f"{key}-{i:04d}-x", doc_id=key, ordinal=i, text=" ".join(t),
              char_start=i * 10, char_end=i * 10 + 15, page=i + 1)
        for i, t in enumerate(tokens)
    ]  # fmt: skip
    vectors = rng.standard_normal((len(tokens), 8)).astype(np.float32)
    return DocumentRows(key, chunks, tokens, vectors / np.linalg.norm(vectors, axis=1)[:, None])


def test_merge_keeps_live_rows_postings_and_vectors(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    docs = corpus_tokens(40, seed=3)
    first = [_rows("a", docs[:5], rng), _rows("b", docs[5:12], rng), _rows("c", docs[12:20], rng)]
    second = [_rows("d", docs[20:31], rng), _rows("e", docs[31:40], rng)]
    write_segment(tmp_path / ".t1", tmp_path / "s1", first)
    write_segment(tmp_path / ".t2", tmp_path / "s2", second)
    s1, s2 = Segment("s1", tmp_path / "s1"), Segment("s2", tmp_path / "s2")
    keep1, keep2 = np.array([True, False, True]), np.array([False, True])
    merge(tmp_path / ".t3", tmp_path / "s3", [(s1, keep1), (s2, keep2)])
    merged = Segment("s3", tmp_path / "s3")
    assert merged.docs == ["a", "c", "e"] and merged.verify() == []
    kept = [first[0], first[2], second[1]]
    want_chunks = [c for d in kept for c in d.chunks]
    assert list(merged.chunks(range(merged.rows))) == want_chunks
    assert merged.vectors is not None
    assert np.allclose(merged.vectors, np.concatenate([d.vectors for d in kept]))  # type: ignore[misc]
    query = ["词3", "词7", "词11"]
    live1 = np.repeat(keep1, np.diff(s1.doc_start))
    live2 = np.repeat(keep2, np.diff(s2.doc_start))
    before = bm25_scores([(s1.lookup, live1), (s2.lookup, live2)], query)
    (after,) = bm25_scores([(merged.lookup, np.ones(merged.rows, dtype=bool))], query)
    assert np.allclose(np.concatenate([before[0][live1], before[1][live2]]), after)
    for seg in (s1, s2, merged):
        seg.close()


def test_merge_policy_by_size_tier_and_dead_share() -> None:
    small = {f"s{i}": (30, 30) for i in range(build.MERGE_FACTOR)}
    assert plan_merges(small) == [sorted(small)]
    assert plan_merges(dict(list(small.items())[:-1])) == []  # one short of a tier
    big = {"big": (50_000, 52_000), **{f"s{i}": (30, 30) for i in range(3)}}
    assert plan_merges(big) == []  # small ones never drag the big one along
    assert plan_merges({"half-dead": (400, 1000), "ok": (900, 1000)}) == [["half-dead"]]


@pytest.fixture
def small_tiers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Merges after four small segments, so a few refreshes exercise them."""
    monkeypatch.setattr(build, "MERGE_FACTOR", 4)
    monkeypatch.setattr(build, "MIN_REWRITE", 2)


def test_many_small_refreshes_answer_like_a_fresh_build(tmp_path: Path, small_tiers: None) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "index" / "policies", corpus)
    grown = KnowledgeBase(
        Settings(home=tmp_path / "grown"), embeddings=FakeEmbeddings(), embedding_id="fake:1"
    )
    grown.refresh([corpus])
    merged = 0
    for i in range(9):
        note = corpus / f"notice-{i % 5}.md"  # adds five files, then changes them
        note.write_text(f"# 通知{i}\n\n第{i}批见习岗位公布，补贴标准为每月{i}00元。\n", "utf-8")
        if i == 7:
            (corpus / "notice-2.md").unlink()
        merged += grown.refresh([corpus]).merged
        if i == 4:
            grown.remove(str(corpus / "startup-loan.md"))
            (corpus / "startup-loan.md").unlink()
    assert merged >= 1 and len(grown.state.segment_ids()) <= 2 * build.MERGE_FACTOR
    fresh = KnowledgeBase(
        Settings(home=tmp_path / "fresh"), embeddings=FakeEmbeddings(), embedding_id="fake:1"
    )
    fresh.refresh([corpus])
    assert grown.status().chunks == fresh.status().chunks
    for q in ["见习岗位 补贴标准", "三支一扶 服务期", "第8批", "创业担保贷款", "一次性求职补贴"]:
        a = [
            (h.chunk_id, round(h.score, 6), round(h.lexical_score or 0, 6))
            for h in grown.search(q, k=50)
        ]
        b = [
            (h.chunk_id, round(h.score, 6), round(h.lexical_score or 0, 6))
            for h in fresh.search(q, k=50)
        ]
        assert sorted(a) == sorted(b), q
    assert grown.check().whole
