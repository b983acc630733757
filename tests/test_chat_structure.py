"""The offline answerer's parts: question analysis, passage structure, choosing and deciding.

Fixtures are this file's own small texts; the engine runs with fixed (not fitted) weights.
"""

from __future__ import annotations

from datetime import date

from bot.chat.analysis import analyze, regions_in
from bot.chat.coach import Coach
from bot.chat.crisis import load_crisis
from bot.chat.decision import DecisionModel, DecisionWeights
from bot.chat.glossary import Glossary
from bot.chat.material import llm_material
from bot.chat.normalize import normalize_message
from bot.chat.prompts import PromptLibrary
from bot.chat.units import passages, read_groups
from bot.knowledge.base import join_chunks
from tests.chat_fakes import ListRetriever, fixture_models, make_hit

GLOSSARY = Glossary.load()

GUIDE = make_hit(
    "报名条件\n"
    "报名要满足以下条件：\n"
    "- 全日制普通高校应届毕业生；\n"
    "- 年龄在28周岁以下；\n"
    "- 身体健康。\n"
    "不符合的可以报名其他项目。",
    n=1,
    title="西部计划报名指南",
    section="报名条件",
)
STEPS = make_hit(
    "怎么报名\n"
    "报名分四步：\n"
    "1. 关注团委发布的通知；\n"
    "2. 网上填报信息；\n"
    "3. 参加面试；\n"
    "4. 体检后公示。",
    n=2,
    title="西部计划报名指南",
    section="怎么报名",
)
PAY = make_hit(
    "能得到什么\n服务期间发放生活补贴，补贴标准由各省项目办确定。服务期一般为一至三年。",
    n=3,
    title="西部计划报名指南",
    section="能得到什么",
)


def coach(*hits: object) -> Coach:
    return Coach(
        ListRetriever(list(hits)),  # type: ignore[arg-type]
        PromptLibrary(),
        GLOSSARY,
        load_crisis(),
        today=lambda: date(2026, 11, 22),
        **fixture_models(),  # type: ignore[arg-type]
    )


def test_messages_are_normalised_for_matching() -> None:
    assert normalize_message("西部計劃ＡＢＣ１２３  怎麼報名？？") == "西部计划ABC123 怎么报名？"
    assert normalize_message("三支 一扶") == "三支一扶"


def test_a_compound_question_has_one_part_per_ask_and_keeps_its_context() -> None:
    analysis = analyze("我是应届生，西部计划怎么报名，补贴多少钱？", GLOSSARY)
    assert analysis.context == "我是应届生"
    assert [(p.kind.name, p.fact) for p in analysis.parts] == [
        ("procedure", ""),
        ("amount", "amount"),
    ]
    assert [t.zh for t in analysis.topics] == ["西部计划"]
    # the second part's retrieval query carries the programme it does not name itself
    assert "西部计划" in analysis.query_for(analysis.parts[1])
    listed = analyze("创业担保贷款的额度和期限是多少？", GLOSSARY)
    assert [p.kind.name for p in listed.parts] == ["amount", "duration"]
    assert len(analyze("西部计划怎么报名？", GLOSSARY).parts) == 1


def test_regions_are_read_by_name_full_name_city_and_english() -> None:
    assert regions_in("在成都工作，四川省的补贴") == ["四川"]
    assert regions_in("working in Guangdong") == ["广东"]
    assert regions_in("全国统一的规定") == []


def test_passages_are_read_into_lists_procedures_and_paragraphs() -> None:
    groups = read_groups(0, GUIDE)
    assert [g.kind for g in groups] == ["list", "paragraph"]
    listed = groups[0]
    assert listed.lead is not None and listed.lead.text == "报名要满足以下条件："
    assert [p.text for p in listed.items][1] == "- 年龄在28周岁以下；"
    assert read_groups(0, STEPS)[0].numbered
    # lines after a lead-in that end in "；" are items even without bullets (PDF text)
    plain = make_hit("可申请的人：\n毕业生；\n退役士兵；\n残疾人。\n其他说明。")
    assert [len(g.items) for g in read_groups(0, plain)] == [3, 0]


def test_chunks_of_one_section_are_joined_once() -> None:
    first = "报名条件\n要满足：\n- 甲；\n- 乙；"
    second = "- 乙；\n- 丙。"
    assert join_chunks([first, second], "报名条件") == "报名条件\n要满足：\n- 甲；\n- 乙；\n- 丙。"


class _Sections(ListRetriever):
    """A retriever that also returns whole sections, as the knowledge base does."""

    def section_of(self, hit):  # type: ignore[no-untyped-def]
        return hit.model_copy(update={"text": GUIDE.text}) if hit.doc_id == "doc-9" else None


def test_a_hit_cut_inside_a_list_is_read_as_its_whole_section() -> None:
    cut = make_hit(
        "报名条件\n- 年龄在28周岁以下；", n=9, title="西部计划报名指南", section="报名条件"
    )
    found = passages([cut], _Sections([cut]))
    assert len(found[0].groups[0].items) == 3


def test_a_who_can_apply_question_gets_the_whole_list_in_order() -> None:
    answer = coach(GUIDE, STEPS, PAY).answer("西部计划哪些人能报名？")
    assert not answer.abstained
    body = answer.answer
    assert body.index("全日制普通高校应届毕业生") < body.index("28周岁") < body.index("身体健康")
    assert "网上填报" not in body  # the procedure does not answer who may apply


def test_steps_come_whole_and_in_order_and_nothing_unrelated_follows() -> None:
    answer = coach(GUIDE, STEPS, PAY).answer("西部计划的报名流程是怎样的？")
    body = answer.answer
    steps = [body.index(s) for s in ["关注团委", "网上填报", "参加面试", "体检后公示"]]
    assert steps == sorted(steps)
    assert "28周岁" not in body and "生活补贴" not in body


def test_a_compound_question_answers_each_part_under_its_heading() -> None:
    answer = coach(GUIDE, STEPS, PAY).answer("西部计划怎么报名，补贴多少钱？")
    body = answer.answer
    assert "【西部计划怎么报名】" in body and "【补贴多少钱】" in body
    # the amount part gets the rule that says who sets the figure: the honest answer
    assert body.index("【补贴多少钱】") < body.index("由各省项目办确定")
    assert not answer.abstained


def test_a_part_the_knowledge_base_cannot_answer_says_so_while_the_rest_stands() -> None:
    answer = coach(GUIDE, STEPS).answer("西部计划怎么报名，补贴多少钱？")
    assert "关注团委" in answer.answer
    assert "知识库中没有找到这一点的具体说明" in answer.answer
    assert not answer.abstained and "12333" in answer.answer


def test_a_provinces_figure_is_not_answered_by_a_rule_that_each_province_sets_it() -> None:
    general = coach(PAY).answer("西部计划的补贴标准是多少？")
    assert not general.abstained and "由各省项目办确定" in general.answer
    named = coach(PAY).answer("四川西部计划志愿者的补贴标准是多少？")
    assert named.abstained  # the nearby rule is shown, but it is not Sichuan's figure
    assert "由各省项目办确定" in named.answer


def test_the_decision_never_answers_without_the_asked_fact_or_programme() -> None:
    model = DecisionModel(DecisionWeights(intercept=10.0, weights={}, threshold=0.5))
    base = {f: 1.0 for f in ("piece", "lexical", "coverage", "heading", "dense")}
    base |= {"unknown": 0.0, "absent": 0.0}
    assert model.decide({**base, "fact": 1.0, "topic": 1.0}).answered
    assert not model.decide({**base, "fact": 0.0, "topic": 1.0}).answered
    assert not model.decide({**base, "fact": 1.0, "topic": 0.0}).answered


def test_the_llm_material_is_each_parts_block_and_unanswered_parts_are_enforced() -> None:
    c = coach(GUIDE, STEPS)
    extract, _ = c.explain("西部计划怎么报名，补贴多少钱？", "zh")
    material = llm_material(extract, c.prompts)
    assert material.hits and material.answered == [True, False]
    assert "知识库没有这方面的资料" in material.plan
    draft = f"{material.headings[0]}\n关注通知[1]。\n{material.headings[1]}\n每月3000元[1]。"
    enforced = material.enforce(draft, c.prompts, "zh")
    assert "3000" not in enforced and "知识库中没有找到这一点的具体说明" in enforced
    assert material.enforce("没有标题的回答[1]。", c.prompts, "zh") == "没有标题的回答[1]。"


def test_another_programmes_list_item_is_not_quoted_for_the_asked_one() -> None:
    mixed = make_hit(
        "升学：考研、专升本\n- 考研：初试多在12月。\n- 专升本：考试多在春季。",
        title="毕业去向",
        section="升学：考研、专升本",
    )
    answer = coach(mixed).answer("考研一般什么时候考？")
    assert "12月" in answer.answer and "春季" not in answer.answer


def test_coverage_counts_the_words_in_the_passages_script() -> None:
    from bot.chat.decision import _same_script

    weights = {"grassroots": 0.9, "基层": 0.8, "2025": 0.5}
    chinese = "基层项目服务期为2年，详见www.ncss.cn。"
    assert _same_script(weights, chinese) == {"基层": 0.8, "2025": 0.5}
    assert _same_script(weights, "Grassroots programmes last two years.") == {
        "grassroots": 0.9,
        "2025": 0.5,
    }
    assert _same_script({"grassroots": 0.9}, "基层项目") == {"grassroots": 0.9}  # none: keep all
