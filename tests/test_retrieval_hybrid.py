"""Hybrid retrieval: filters, de-duplication, glossary expansion, tokenizer, real-model quality."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import pytest

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.lexical import ChineseTokenizer
from bot.knowledge.models import SearchFilters
from bot.knowledge.query import DEFAULT_GLOSSARY, load_glossary, normalize_query
from bot.settings import Settings
from tests.conftest import FIXTURES
from tests.index_fakes import FakeEmbeddings

SRC = FIXTURES / "index"


@pytest.fixture
def kb(settings: Settings) -> KnowledgeBase:
    base = KnowledgeBase(settings, embeddings=FakeEmbeddings(), embedding_id="fake:1")
    base.refresh([SRC / "policies", SRC / "more", SRC / "filters"])
    return base


def test_hits_carry_everything_a_citation_needs(kb: KnowledgeBase) -> None:
    hits = kb.search("三支一扶 服务期", k=3)
    top = hits[0]
    assert "三支一扶" in top.text and top.title.startswith("三支一扶")
    assert top.source.endswith("sanzhi-yifu.md")
    assert top.dense_score is not None and -1.0 <= top.dense_score <= 1.0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert kb.chunk(top.chunk_id) is not None and kb.chunk(top.chunk_id).text == top.text  # type: ignore[union-attr]
    assert kb.chunk("nope") is None
    # every hit, also one found only by BM25, has a dense similarity
    assert all(h.dense_score is not None for h in kb.search("贴息", k=5))


def test_region_filter_keeps_national_documents(kb: KnowledgeBase) -> None:
    hits = kb.search("见习补贴", k=10, filters=SearchFilters(region="上海"))
    titles = {h.title for h in hits}
    assert any("上海" in t for t in titles) and any("全国" in t for t in titles)
    assert not any("北京" in t for t in titles)


def test_doc_type_and_valid_on_filters(kb: KnowledgeBase) -> None:
    rules = kb.search("见习补贴", k=10, filters=SearchFilters(doc_type="subsidy_rule"))
    assert rules and all(h.meta.doc_type == "subsidy_rule" for h in rules)
    today = kb.search("北京 见习补贴", k=10, filters=SearchFilters(valid_on=date(2025, 6, 1)))
    assert not any("北京" in h.title for h in today)
    back_then = kb.search("北京 见习补贴", k=10, filters=SearchFilters(valid_on=date(2020, 6, 1)))
    assert any("北京" in h.title for h in back_then)
    assert not any("上海" in h.title for h in back_then)  # not yet in force in 2020


def test_overlapping_chunks_of_one_document_are_deduplicated(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", chunk_tokens=50, chunk_overlap=25)
    doc = tmp_path / "docs" / "long.txt"
    doc.parent.mkdir()
    sentences = [f"第{i}条：创业担保贷款的第{i}项规定，涉及贴息和额度。" for i in range(1, 30)]
    doc.write_text("".join(sentences), encoding="utf-8")
    base = KnowledgeBase(settings, embeddings=FakeEmbeddings(), embedding_id="fake:1")
    base.refresh([doc.parent])
    chunks = base.chunks()
    assert any(a.char_end > b.char_start for a, b in itertools.pairwise(chunks))
    hits = base.search("创业担保贷款 贴息 额度", k=10)
    spans = sorted(
        (c.char_start, c.char_end) for h in hits for c in chunks if c.chunk_id == h.chunk_id
    )
    for a, b in itertools.combinations(spans, 2):
        shared = min(a[1], b[1]) - max(a[0], b[0])
        assert shared * 2 < min(a[1] - a[0], b[1] - b[0])  # no hit mostly repeats another


def test_neighbours_sharing_only_the_overlap_are_both_kept(tmp_path: Path) -> None:
    """A list that runs across a chunk boundary must not lose its first half."""
    settings = Settings(home=tmp_path / "home", chunk_tokens=90, chunk_overlap=30)
    doc = tmp_path / "docs" / "list.txt"
    doc.parent.mkdir()
    items = [f"第{i}类：低保家庭毕业生可以申请一次性求职补贴的情形之{i}。" for i in range(1, 12)]
    doc.write_text("".join(items), encoding="utf-8")
    base = KnowledgeBase(settings, embeddings=FakeEmbeddings(), embedding_id="fake:1")
    base.refresh([doc.parent])
    chunks = base.chunks()
    assert len(chunks) >= 3 and chunks[0].char_end > chunks[1].char_start  # neighbours overlap
    hits = base.search("低保家庭 一次性求职补贴", k=len(chunks))
    assert len(hits) == len(chunks)


def test_empty_index_and_empty_query(settings: Settings) -> None:
    base = KnowledgeBase(settings, embeddings=FakeEmbeddings(), embedding_id="fake:1")
    assert base.search("三支一扶") == []
    assert base.status().documents == 0


def test_english_terms_expand_to_chinese_for_bm25(kb: KnowledgeBase) -> None:
    glossary = load_glossary(DEFAULT_GLOSSARY)
    assert "创业担保贷款" in glossary.expansions("Can I get a guaranteed loan to start a business?")
    assert "一次性求职补贴" in glossary.expansions("job-seeking subsidy")
    assert "困难家庭" in glossary.expansions("我家是低保户")
    # the fake dense model knows no English: BM25 on the expanded terms does the work
    hits = kb.search("guaranteed loan for a start-up", k=5)
    best = max(hits, key=lambda h: h.lexical_score or 0.0)
    assert best.source.endswith("startup-loan.md") and (best.lexical_score or 0) > 0


def test_tokenizer_keeps_programme_names_whole() -> None:
    glossary = load_glossary(DEFAULT_GLOSSARY)
    tokens = ChineseTokenizer(glossary.keep_whole).tokens(
        "参加三支一扶和西部计划，申请创业担保贷款"
    )
    for word in ("三支一扶", "西部计划", "创业担保贷款"):
        assert word in tokens
    assert "的" not in ChineseTokenizer().tokens("我的补贴")
    assert normalize_query("  ＡＢＣ　三支一扶  ") == "ABC 三支一扶"


@pytest.mark.slow
def test_real_model_finds_the_subsidy_passage(tmp_path: Path, shared_corpus: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    base = KnowledgeBase(settings)
    report = base.refresh([shared_corpus / "seeds"])
    assert report.ok and report.counts.get("indexed") == 2
    colloquial = base.search("家里是低保户，毕业后找工作能拿什么补贴？", k=5)
    assert any("求职补贴" in "".join(h.text.split()) for h in colloquial)
    english = base.search("Is there a job-seeking subsidy for graduates from poor families?", k=5)
    assert any("求职补贴" in "".join(h.text.split()) for h in english)
    grassroots = base.search("What grassroots programmes like the western region plan exist?", k=5)
    assert any("西部计划" in "".join(h.text.split()) for h in grassroots)
    assert all(h.dense_score is not None and h.dense_score > 0.5 for h in colloquial[:1])
