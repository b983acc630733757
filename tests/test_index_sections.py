"""What the answering side reads beside search hits: a chunk's whole section
(``section_chunks``, ``Generation.section_rows``) and document frequencies (``term_stats``,
``Generation.document_frequencies``), over segments and after a removal."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.build import passage_text
from bot.settings import Settings
from tests.index_fakes import FakeEmbeddings


def _long_section(n: int) -> str:
    line = "见习单位按月发放生活补助，补助不低于当地最低工资的六成，说明编号{}。"
    return "\n\n".join(line.format(i) for i in range(n))


def _corpus(folder: Path) -> None:
    folder.mkdir()
    (folder / "trainee.md").write_text(
        "# 就业见习办法\n\n## 申请条件\n\n离校两年内未就业的高校毕业生可以申请。\n\n"
        f"## 补助标准\n\n{_long_section(40)}\n\n## 办理流程\n\n向所在地人社部门报名。\n",
        "utf-8",
    )
    (folder / "loan.md").write_text(
        "# 创业担保贷款\n\n## 补助标准\n\n个人贷款额度最高三十万元，财政按规定贴息。\n", "utf-8"
    )


def _kb(home: Path) -> KnowledgeBase:
    settings = Settings(home=home, chunk_tokens=60, chunk_overlap=10)
    return KnowledgeBase(settings, embeddings=FakeEmbeddings(), embedding_id="fake:1")


def test_section_chunks_are_the_neighbours_with_the_same_section(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _corpus(corpus)
    kb = _kb(tmp_path / "home")
    kb.refresh([corpus])
    by_section = [c for c in kb.chunks() if c.section_path[-1:] == ["补助标准"]]
    in_trainee = [c for c in by_section if "见习" in c.text]
    assert len(in_trainee) >= 3  # the long section spans several chunks
    middle = in_trainee[len(in_trainee) // 2]
    got = kb.section_chunks(middle.chunk_id)
    assert [c.chunk_id for c in got] == [c.chunk_id for c in in_trainee]
    assert [c.ordinal for c in got] == sorted(c.ordinal for c in got)
    # the other document's section of the same name is not part of it
    assert all(c.doc_id == middle.doc_id for c in got)
    one = next(c for c in kb.chunks() if c.section_path[-1:] == ["申请条件"])
    assert [c.chunk_id for c in kb.section_chunks(one.chunk_id)] == [one.chunk_id]
    assert kb.section_chunks("nosuchdoc-0000-x") == []


def test_term_stats_count_live_chunks_over_segments(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _corpus(corpus)
    kb = _kb(tmp_path / "home")
    kb.refresh([corpus])
    extra = corpus / "notice.md"
    extra.write_text("# 见习岗位通知\n\n新增见习岗位二十个，补助按月发放。\n", "utf-8")
    kb.refresh([corpus])  # a second segment
    assert len(kb.state.segment_ids()) >= 2
    tokenizer = kb.tokenizer()

    def brute() -> Counter[str]:
        docs = {d.doc_id: d for d in kb.documents()}
        counts: Counter[str] = Counter()
        for c in kb.chunks():
            counts.update(set(tokenizer.tokens(passage_text(docs[c.doc_id], c))))
        return counts

    terms = ["见习", "补助", "贷款", "岗位", "从未出现的词"]
    expected = brute()
    df, n = kb.term_stats(terms)
    assert n == len(kb.chunks())
    assert df == {t: expected[t] for t in terms if expected[t]}
    assert "从未出现的词" not in df and df["见习"] > df["岗位"] >= 1

    extra.unlink()
    kb.refresh([corpus])  # the notice's rows are dead, not rewritten
    df_after, n_after = kb.term_stats(terms)
    expected = brute()
    assert n_after == n - 1 and df_after == {t: expected[t] for t in terms if expected[t]}
    assert df_after.get("岗位", 0) < df["岗位"]
