"""Chinese clean-up: spacing, line re-joining and PDF page furniture."""

from __future__ import annotations

import pytest

from bot.knowledge.normalize import (
    Line,
    is_wrapped,
    join_lines,
    normalize_characters,
    normalize_spacing,
)
from bot.knowledge.pdf import _strip_furniture, is_page_furniture


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("新华社北京 4 月 8 日电", "新华社北京4月8日电"),
        ("《规划纲要（2024—2035 年）》", "《规划纲要（2024—2035年）》"),
        ("现将 2 0 2 4 年补贴", "现将2024年补贴"),
        ("摘\u2003 要", "摘要"),
        ("从 2022 年起连续三年", "从2022年起连续三年"),
        ("经过3 至5 年持续努力", "经过3至5年持续努力"),
        ("2.1 高质量就业的内涵", "2.1 高质量就业的内涵"),  # heading number keeps its space
        ("1 引言", "1 引言"),
        ("Graduates  apply in May 2025.", "Graduates apply in May 2025."),
        ("AI 和大数据岗位", "AI 和大数据岗位"),  # space between Latin and Chinese is kept
    ],
)
def test_normalize_spacing(raw: str, clean: str) -> None:
    assert normalize_spacing(raw) == clean


def _column(text: str, width: int = 16) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


# Each paragraph ends on a short line, as most do in a column of 16 characters.
PARA_1 = "高校毕业生是宝贵的人才资源。各地要把促进毕业生就业作为重点工作，加强政策落实。"
PARA_2 = "困难家庭毕业生可以申请一次性求职补贴，补贴由学校统一发放到个人账户，不得截留。"


def test_wrapped_column_lines_rejoin_into_paragraphs() -> None:
    assert len(PARA_1) % 16 < 10 and len(PARA_2) % 16 < 10
    lines = [Line(s) for s in _column(PARA_1) + _column(PARA_2)]
    paras = join_lines(lines)
    assert [p.text for p in paras] == [PARA_1, PARA_2]


def test_blank_lines_inside_a_sentence_do_not_break_it() -> None:
    first, *rest = _column(PARA_1)
    lines = [Line(first), Line(""), *[Line(s) for s in rest], Line(""), *map(Line, _column(PARA_2))]
    assert [p.text for p in join_lines(lines)] == [PARA_1, PARA_2]


def test_headings_and_speaker_lines_are_never_joined() -> None:
    body = _column(PARA_1)
    lines = [Line("五、完善帮扶援助体系"), *map(Line, body), Line("问：如何申请补贴？")]
    lines += [Line(s) for s in _column("答：" + PARA_2)]
    texts = [p.text for p in join_lines(lines)]
    assert texts == ["五、完善帮扶援助体系", PARA_1, "问：如何申请补贴？", "答：" + PARA_2]


def test_unwrapped_text_keeps_one_paragraph_per_line() -> None:
    lines = [
        Line("关于做好毕业生就业工作的通知"),
        Line(PARA_1),
        Line("短句。"),
        Line(PARA_2 * 2),
        Line("附件：申请表"),
    ]
    assert not is_wrapped([ln.text for ln in lines])[0]
    assert len(join_lines(lines)) == 5


def test_pdf_english_words_cut_at_line_end_rejoin_without_space() -> None:
    lines = [Line(s) for s in ["This paper studies the resea", "rch object of ", "graduates."]]
    lines += [Line("x" * 28 + " "), Line("y" * 28 + " "), Line("z" * 28 + ".")]
    paras = join_lines(lines, keep_raw_spaces=True)
    assert paras[0].text.startswith("This paper studies the research object of graduates.")


def test_paragraph_keeps_page_of_its_first_line() -> None:
    body = _column(PARA_1 + PARA_1)
    lines = [Line(s, page=1) for s in body[:3]] + [Line(s, page=2) for s in body[3:]]
    paras = join_lines(lines)
    assert len(paras) == 1 and paras[0].page == 1


@pytest.mark.parametrize(
    "line", ["125", "- 3 -", "— 12 —", "第3页", "第 3 页 共 9 页", "3/9", "Page 3 of 9",
             "教育研究与创新·第 01 卷·第 04 期·2024 年 09 月", "Vol. 3 No. 4 (2024)"],
)  # fmt: skip
def test_page_furniture_is_recognised(line: str) -> None:
    assert is_page_furniture(line)


@pytest.mark.parametrize(
    "line", ["2025年4月8日", "第三条 申请人应当提交材料。", "补贴标准为1500元。", "3.5%"]
)
def test_text_is_not_page_furniture(line: str) -> None:
    assert not is_page_furniture(line)


def test_running_headers_repeated_across_pages_are_removed() -> None:
    body = "\n".join(_column(PARA_1 + PARA_2, 10))  # eight lines
    pages = [f"就业服务通讯 2025年第{n}期\n{body}\n- {n} -" for n in range(1, 5)]
    lines = _strip_furniture(pages)
    texts = [ln.text for ln in lines]
    assert not any("就业服务通讯" in t for t in texts)
    assert not any(t.startswith("-") for t in texts)
    middle = _column(PARA_1 + PARA_2, 10)[3]
    assert sum(1 for t in texts if t == middle) == 4  # mid-page lines stay, even repeated
    assert [ln.page for ln in lines][:2] == [1, 1]


def test_look_alike_characters_are_mapped() -> None:
    assert (
        normalize_characters("⼀次性求职补贴⽤于⼯作") == "一次性求职补贴用于工作"
    )  # Kangxi radicals
    assert normalize_characters("２０２５年ＡＩ岗位") == "2025年AI岗位"
    assert normalize_characters("就\u200b业\u00ad见习") == "就业见习"
    assert normalize_characters("补贴，申请：材料。") == "补贴，申请：材料。"  # punctuation kept


def test_join_lines_cleans_characters() -> None:
    assert join_lines([Line("⼀次性求职补贴 ２ ０ ２ ５ 年")])[0].text == "一次性求职补贴2025年"
