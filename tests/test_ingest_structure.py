"""Headings and section paths, with the false positives that must not become headings."""

from __future__ import annotations

import pytest

from bot.knowledge.headings import match_heading
from bot.knowledge.normalize import Line
from bot.knowledge.structure import build_blocks


@pytest.mark.parametrize(
    ("paragraph", "kind", "text"),
    [
        ("一、总体要求", "cn", "一、总体要求"),
        ("（一）补贴对象", "cn_paren", "（一）补贴对象"),
        ("(十)发挥多元主体作用", "cn_paren", "(十)发挥多元主体作用"),
        ("第三条 申请人应当提交身份证明。", "article", "第三条 申请人应当提交身份证明"),
        ("第二章 补贴标准", "chapter", "第二章 补贴标准"),
        ("1. 申请条件", "arabic", "1. 申请条件"),
        ("1 引言", "arabic", "1 引言"),
        ("2.1 高质量就业的内涵与标准", "dec2", "2.1 高质量就业的内涵与标准"),
        ("2.1.3 数据来源", "dec3", "2.1.3 数据来源"),
        ("（1）线上申请", "arabic_paren", "（1）线上申请"),
    ],
)
def test_heading_kinds(paragraph: str, kind: str, text: str) -> None:
    heading = match_heading(paragraph)
    assert heading is not None
    assert (heading.kind, heading.text) == (kind, text)


def test_inline_heading_is_the_first_sentence() -> None:
    heading = match_heading("（十一）健全困难帮扶机制。为脱贫家庭、低保家庭毕业生提供服务。")
    assert heading is not None
    assert heading.text == "（十一）健全困难帮扶机制"
    assert not heading.standalone


@pytest.mark.parametrize(
    "paragraph",
    [
        "2024.1.5 发布",  # a date
        "1.5万人参加了培训",  # an amount
        "2025年4月8日",
        "1.加强就业指导；",  # a list item ending in ；
        "3 至 5 年内基本建立服务体系，覆盖全体毕业生，为高质量就业提供保障。",
        "第一部分“总体要求”，主要回答构建高校毕业生高质量就业服务体系的根本遵循和工作目标等核心问题。",
        "一是强化就业指导",
        "（一）" + "很长的标题" * 10,  # too long to be a heading and no sentence end
        "12345 号文件",
        "1. 申请人提交材料，学校审核，报送人社部门，完成认定。",  # a long list sentence
    ],
)
def test_false_positives_are_not_headings(paragraph: str) -> None:
    assert match_heading(paragraph) is None


def test_section_paths_follow_numbering_rank() -> None:
    paras = [
        Line("（十）发挥多元主体作用。拓宽就业渠道。"),
        Line("五、完善帮扶援助体系"),
        Line("（十一）健全困难帮扶机制。为困难家庭毕业生提供服务。"),
        Line("及时发放一次性求职补贴。"),
        Line("六、创新监测评价体系"),
        Line("定期开展就业形势调查。"),
    ]
    blocks = build_blocks(paras, title="关于加快构建就业服务体系的意见")
    paths = [b.section_path for b in blocks]
    root = "关于加快构建就业服务体系的意见"
    five, six = "五、完善帮扶援助体系", "六、创新监测评价体系"
    assert paths == [
        [root, "（十）发挥多元主体作用"],
        [root, five],
        [root, five, "（十一）健全困难帮扶机制"],
        [root, five, "（十一）健全困难帮扶机制"],
        [root, six],
        [root, six],
    ]
    assert [b.text for b in blocks] == [p.text for p in paras]  # headings stay in the text


def test_decimal_headings_nest_and_close() -> None:
    paras = [Line(t) for t in ["1 引言", "正文一。", "2 理论基础", "2.1 内涵", "正文二。",
                               "2.2 应用", "正文三。", "3 结语", "正文四。"]]  # fmt: skip
    paths = [b.section_path for b in build_blocks(paras) if b.text.startswith("正文")]
    assert paths == [["1 引言"], ["2 理论基础", "2.1 内涵"], ["2 理论基础", "2.2 应用"], ["3 结语"]]


def test_explicit_headings_rank_above_numbering_and_title_is_not_repeated() -> None:
    paras = [
        Line("创业担保贷款指南", heading_level=1),
        Line("申请条件", heading_level=2),
        Line("一、个人申请"),
        Line("毕业五年内可申请。"),
        Line("贷款额度", heading_level=2),
        Line("最高30万元。"),
    ]
    blocks = build_blocks(paras, title="创业担保贷款指南")
    paths = [b.section_path for b in blocks if b.text.endswith("。")]
    assert paths == [
        ["创业担保贷款指南", "申请条件", "一、个人申请"],
        ["创业担保贷款指南", "贷款额度"],
    ]
    assert blocks[0].section_path == ["创业担保贷款指南"]


def test_table_rows_are_never_headings() -> None:
    blocks = build_blocks([Line("1. 个人 | 30万元", literal=True)])
    assert blocks[0].section_path == []


def test_press_questions_head_their_answers_until_numbering_resumes() -> None:
    paras = [
        Line("问：《意见》将优化培养供给体系置于首位，有怎样的考虑？"),
        Line("答：从强化人才支撑看，供给与需求适配不够的问题亟待解决。"),
        Line("问：请介绍结构。"),
        Line("答：主体共7个部分。"),
        Line("（十）发挥多元主体作用。拓宽就业渠道。"),
    ]
    paths = [b.section_path for b in build_blocks(paras)]
    assert paths[1] == ["问：《意见》将优化培养供给体系置于首位，有怎样的考虑？"]
    assert paths[3] == ["问：请介绍结构。"]
    assert paths[4] == ["（十）发挥多元主体作用"]


def test_answer_is_not_a_heading() -> None:
    assert match_heading("答：主体共7个部分。") is None
    assert match_heading("问：" + "很长的问题" * 20 + "？") is None
