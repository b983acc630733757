"""Word and name matching of the offline answerer: cut-apart words, hedges, slips in names."""

from __future__ import annotations

from bot.chat.analysis import analyze
from bot.chat.decision import features
from bot.chat.focus import TopicCheck
from bot.chat.glossary import Glossary
from bot.chat.selection import PieceModel, Selector
from bot.chat.sentences import compounds_held, present, words
from bot.chat.units import passages
from tests.chat_fakes import make_hit

GLOSSARY = Glossary.load()


def _stats(found: list[str]) -> tuple[dict[str, int], int]:
    """A knowledge base of 100 chunks that uses every word but the listed unknown ones."""
    return {w: 5 for w in found if w not in {"黄牛票", "打折"}}, 100


def test_a_word_the_splitter_cut_apart_still_counts_as_present() -> None:
    text = "- 体检复查：3个月内可申请一次复查，以复查结论为准。"
    cut = words(text)
    wanted = {"体检复查", "复查结论为准x", "面试"}
    held = present(wanted, cut, text)
    assert "体检复查" in held  # as a run of characters, whatever the cut
    assert "面试" not in held and "复查结论为准x" not in held
    # English words count only as whole words
    assert present({"pay"}, words("Payment is monthly."), "Payment is monthly.") == set()


def test_a_compound_is_held_when_both_of_its_words_are() -> None:
    text = "报名资格：在读研究生可以报名。需要提交的材料见附件。"
    # 报名材料 is said in two places of the block; 报名费用 only half
    assert compounds_held({"报名材料", "报名费用", "材料"}, set(), text) == {"报名材料"}
    # a compound already held, a short word or an English word is left to the other checks
    assert compounds_held({"报名材料"}, {"报名材料"}, text) == set()
    assert compounds_held({"报名", "signup fee"}, set(), text) == set()


def test_coverage_sees_a_question_word_written_inside_a_longer_run() -> None:
    # the splitter reads 加分 in the question but 笔试/加/分 in the passage
    hit = make_hit("- 笔试加分：按规定执行，以当年公告为准。", section="服务期满")
    analysis = analyze("有笔试加分吗", GLOSSARY, stats=_stats)
    assert "加分" in analysis.weights and "加分" not in words(hit.text)
    found = passages([hit])
    topics = TopicCheck(GLOSSARY, analysis.text, asked=analysis.topics)
    selector = Selector(analysis, topics, found, PieceModel.load())
    part = analysis.parts[0]
    scored = selector.score(part)
    block = selector.choose(part, scored, set())
    assert block is not None
    values = features(analysis, part, block, found, topics, selector.content_weights(part))
    assert values["coverage"] > 0.5 and values["absent"] < 0.5


def test_hedges_and_feelings_are_not_content_words() -> None:
    analysis = analyze("听说特岗教师到底比较难考吗，感觉压力好大", GLOSSARY, stats=_stats)
    for hedge in ("听说", "到底", "比较", "感觉"):
        assert hedge not in analysis.weights
    assert "特岗教师" in analysis.weights


def test_an_official_name_added_for_everyday_wording_is_not_unknown() -> None:
    def stats(found: list[str]) -> tuple[dict[str, int], int]:
        # the documents never write the official name as one word
        return {w: 3 for w in found if w not in {"大学生征兵", "黄牛票"}}, 50

    analysis = analyze("当兵回来有黄牛票吗", GLOSSARY, stats=stats)
    assert "大学生征兵" in analysis.weights
    assert "大学生征兵" not in analysis.unknown
    assert "黄牛票" in analysis.unknown


def test_programme_names_are_recognised_with_one_slip() -> None:
    def named(text: str) -> list[str]:
        return [t.zh for t in GLOSSARY.named_in(text)]

    assert named("想报名三枝一扶，需要什么") == ["三支一扶"]  # one character typed wrong
    assert named("三支扶一的服务期") == ["三支一扶"]  # two neighbours swapped
    assert "特岗教师" in named("特岗较师怎么考")
    assert "三支一扶" in [t.zh for t in GLOSSARY.colloquial_in("三枝一扶的待遇")]
    # two slips, a changed first character, or another term's own form are not the name
    assert "三支一扶" not in named("三枝二扶")
    assert "西部计划" not in named("东部计划")
    assert named("创业补贴有多少") == [t.zh for t in GLOSSARY.named_in("创业补贴")]


def test_a_short_form_does_not_match_across_a_word() -> None:
    names = [t.zh for t in GLOSSARY.named_in("上周和单位把工作签订下来了")]
    assert "外国人工作许可" not in names
    assert "外国人工作许可" in [t.zh for t in GLOSSARY.named_in("外国毕业生怎么办工作签")]


def test_a_lead_in_line_leaves_the_marker_to_its_items() -> None:
    from bot.chat.checks import check_answer

    hit = make_hit("按第三十二条规定：\n- 实习满六个月的可以转正；\n- 转正须经考核。")
    text = "按第三十二条规定：\n- 实习满六个月的可以转正[1]；\n- 转正须经考核[1]。"
    lines = check_answer(text, [hit]).text.splitlines()
    assert lines[0] == "按第三十二条规定："
    assert lines[1].endswith("[1]；")
    # with no cited line after it, the lead-in keeps the marker its numbers need
    alone = check_answer("按第三十二条规定：", [hit]).text
    assert alone.endswith("[1]")


def test_an_english_question_over_a_chinese_passage_is_covered_by_the_programme_name() -> None:
    from bot.chat.decision import _bridged

    text = "西部计划的志愿者服务期为1至3年。"
    analysis = analyze("How long do Western Region volunteers serve?", GLOSSARY, lang="en")
    topics = TopicCheck(GLOSSARY, analysis.text, asked=analysis.topics)
    english = {"volunteers": 0.8, "serve": 0.6}
    bridged = _bridged(english, text, topics)
    assert bridged and all(not w.isascii() for w in bridged)
    assert present(bridged, words(text), text)  # the passage names the asked programme
    # a passage in the question's own script keeps the question's words
    assert _bridged(english, "Volunteers serve one to three years.", topics) == english
