"""Chunking: token sizes, overlap, sections never mixed, offsets, pages and stable ids."""

from __future__ import annotations

import itertools
from pathlib import Path

from bot.knowledge.chunking import chunk_document, count_tokens, sentence_spans
from bot.knowledge.loaders import make_document
from bot.knowledge.models import Block, DocumentMeta, SourceDocument

SENTENCES = [
    "困难家庭毕业生可以申请一次性求职补贴。",
    "补贴由学校在毕业学年内统一发放到本人银行卡。",
    "申请人需要提交身份证明和困难证明材料。",
    "学校审核后报送当地人力资源社会保障部门。",
    "材料不全的，学校应当一次性告知需要补充的内容。",
    "补贴资金不得截留挪用，也不得以实物代替。",
]


def _doc(blocks: list[Block]) -> SourceDocument:
    return make_document(Path("x.txt"), b"x", "txt", DocumentMeta(), blocks)


def _long_section(n: int, path: list[str], page: int | None = None) -> list[Block]:
    text = "".join(SENTENCES[i % len(SENTENCES)] for i in range(n))
    return [Block(text=text, section_path=path, page=page)]


def test_chunks_respect_the_token_limit_and_map_to_the_text() -> None:
    doc = _doc(_long_section(40, ["一、补贴"]))
    chunks = chunk_document(doc, chunk_tokens=120, overlap_tokens=20)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.token_count == count_tokens(chunk.text) <= 120
        assert doc.text[chunk.char_start : chunk.char_end] == chunk.text
    assert chunks[0].char_start == 0
    assert chunks[-1].char_end == len(doc.text)


def test_neighbouring_chunks_overlap_within_the_overlap_budget() -> None:
    doc = _doc(_long_section(40, ["一、补贴"]))
    chunks = chunk_document(doc, chunk_tokens=120, overlap_tokens=40)
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.char_start < prev.char_end  # they share text
        shared = doc.text[nxt.char_start : prev.char_end]
        assert 0 < count_tokens(shared) <= 40


def test_no_overlap_when_zero() -> None:
    doc = _doc(_long_section(40, ["一、补贴"]))
    chunks = chunk_document(doc, chunk_tokens=120, overlap_tokens=0)
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.char_start >= prev.char_end


def test_sections_are_never_mixed() -> None:
    blocks = _long_section(12, ["意见", "（十一）健全困难帮扶机制"]) + _long_section(
        12, ["意见", "（十二）加强帮扶对象能力培训"]
    )
    chunks = chunk_document(_doc(blocks), chunk_tokens=200, overlap_tokens=30)
    paths = [c.section_path for c in chunks]
    assert ["意见", "（十一）健全困难帮扶机制"] in paths
    assert ["意见", "（十二）加强帮扶对象能力培训"] in paths
    first_of_12 = paths.index(["意见", "（十二）加强帮扶对象能力培训"])
    assert chunks[first_of_12].char_start >= len(blocks[0].text)  # no overlap across sections


def test_tiny_sibling_sections_merge_under_their_parent() -> None:
    blocks = [
        Block(text="补贴标准为每人1500元。", section_path=["通知", "二、补贴标准"]),
        Block(text="每年四月集中申请。", section_path=["通知", "三、申请时间"]),
    ]
    chunks = chunk_document(_doc(blocks), chunk_tokens=320, overlap_tokens=48)
    assert len(chunks) == 1
    assert chunks[0].section_path == ["通知"]
    assert "1500元" in chunks[0].text and "四月" in chunks[0].text


def test_large_sections_do_not_merge() -> None:
    blocks = _long_section(10, ["通知", "二、补贴标准"]) + _long_section(10, ["通知", "三、申请"])
    chunks = chunk_document(_doc(blocks), chunk_tokens=320, overlap_tokens=48)
    assert {tuple(c.section_path) for c in chunks} == {
        ("通知", "二、补贴标准"),
        ("通知", "三、申请"),
    }


def test_chunk_page_is_where_it_starts() -> None:
    blocks = _long_section(8, ["一"], page=1) + _long_section(8, ["一"], page=2)
    chunks = chunk_document(_doc(blocks), chunk_tokens=100, overlap_tokens=0)
    for chunk in chunks:
        expected = 1 if chunk.char_start < len(blocks[0].text) else 2
        assert chunk.page == expected
    assert {c.page for c in chunks} == {1, 2}


def test_a_sentence_longer_than_a_chunk_is_cut() -> None:
    text = "，".join(["毕业生可以到基层单位就业并享受相应补贴"] * 40) + "。"
    chunks = chunk_document(_doc([Block(text=text)]), chunk_tokens=60, overlap_tokens=10)
    assert len(chunks) > 5
    assert all(c.token_count <= 60 for c in chunks)
    assert "".join(c.text for c in chunks).count("毕业生") >= 40


def test_text_without_any_break_is_cut_by_length() -> None:
    text = "就" * 2000
    chunks = chunk_document(_doc([Block(text=text)]), chunk_tokens=100, overlap_tokens=0)
    assert all(c.token_count <= 100 for c in chunks)
    assert sum(len(c.text) for c in chunks) == 2000


def test_ids_are_deterministic_and_change_with_text() -> None:
    doc = _doc(_long_section(30, ["一"]))
    first = chunk_document(doc, chunk_tokens=100, overlap_tokens=20)
    again = chunk_document(doc, chunk_tokens=100, overlap_tokens=20)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert len({c.chunk_id for c in first}) == len(first)
    assert all(c.chunk_id.startswith(doc.doc_id) for c in first)
    assert [c.ordinal for c in first] == list(range(len(first)))
    changed = _doc([Block(text=doc.blocks[0].text + "新增一句。", section_path=["一"])])
    other = chunk_document(changed, chunk_tokens=100, overlap_tokens=20)
    assert other[0].chunk_id != first[0].chunk_id  # the doc_id changed with the content


def test_sentence_spans_chinese_and_english() -> None:
    text = "第一句。第二句！“第三句？”Fourth one. Fifth; and 3.5% stays"
    pieces = [text[s:e].strip() for s, e in sentence_spans(text)]
    assert pieces == [
        "第一句。",
        "第二句！",
        "“第三句？”",
        "Fourth one.",
        "Fifth;",
        "and 3.5% stays",
    ]


def test_default_sizes_from_settings(settings) -> None:  # type: ignore[no-untyped-def]
    doc = _doc(_long_section(60, ["一"]))
    chunks = chunk_document(
        doc, chunk_tokens=settings.chunk_tokens, overlap_tokens=settings.chunk_overlap
    )
    assert max(c.token_count for c in chunks) <= settings.chunk_tokens
    assert max(c.token_count for c in chunks) > settings.chunk_tokens * 0.7
