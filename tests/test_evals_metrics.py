"""The scorers of evals/metrics.py and evals/matching.py on hand-made inputs."""

from __future__ import annotations

import pytest

from evals import metrics as m
from evals.matching import contains_evidence, first_relevant_rank, normalise


def test_evidence_matches_across_pdf_spaces_and_line_breaks() -> None:
    chunk = "人工智能新发岗位量已与 2022 年\n全年持平，随着新发岗位数增加"
    assert contains_evidence(chunk, ["人工智能新发岗位量已与2022年全年持平"])
    assert not contains_evidence(chunk, ["人工智能新发岗位量已与2023年全年持平"])
    assert normalise("（十一）Ａ Ｂ") == "(十一)ab"


def test_first_relevant_rank_is_one_based_and_none_on_miss() -> None:
    texts = ["无关内容", "这里有 一次性 求职补贴", "一次性求职补贴"]
    assert first_relevant_rank(texts, ["一次性求职补贴"]) == 2
    assert first_relevant_rank(texts, ["创业担保贷款"]) is None


def test_hit_at_k_and_mrr() -> None:
    ranks = [1, 3, None, 2]
    assert m.hit_at_k(ranks, 1) == 0.25
    assert m.hit_at_k(ranks, 3) == 0.75
    assert m.mean_reciprocal_rank(ranks) == pytest.approx((1 + 1 / 3 + 0 + 0.5) / 4)
    assert m.hit_at_k([], 5) is None
    assert m.mean_reciprocal_rank([]) is None


def test_abstention_precision_and_recall() -> None:
    # (answerable, abstained)
    scores = m.abstention_scores([(False, True), (False, False), (True, True), (True, False)])
    assert scores["abstention_precision"] == 0.5
    assert scores["abstention_recall"] == 0.5
    none = m.abstention_scores([(True, False)])
    assert none["abstention_precision"] is None and none["abstention_recall"] is None


def test_citation_validity_checks_number_and_support() -> None:
    passages = {1: "及时向符合条件的帮扶对象发放一次性求职补贴。", 2: "支持民营企业稳岗拓岗。"}
    answer = "符合条件的帮扶对象可以领取一次性求职补贴[1]。民营企业被支持稳岗拓岗[1]。另见[3]。"
    valid, total = m.citation_validity(answer, passages)
    # marker 1 on sentence 1 is supported; marker 1 on sentence 2 cites the wrong passage;
    # marker 3 names no citation
    assert (valid, total) == (1, 3)


def test_numbers_supported_ignores_markers_and_numbers_from_the_question() -> None:
    cited = ["《意见》主体共 7 个部分 20 个条目"]
    assert m.numbers_supported("共7个部分20个条目[1]。", cited) == (2, 2)
    assert m.numbers_supported("共7个部分21个条目[1]。", cited) == (1, 2)
    # 2026 is the user's own number; 200 is not in the source (and 20 must not match it)
    assert m.numbers_supported("2026年的截止日期资料里没有，约200元", cited, "2026年截止日期") == (
        0,
        1,
    )
    assert m.numbers_in("1,000元和3.5%[2]") == ["1000", "3.5"]


def test_unsupported_sentences_uses_cited_passages() -> None:
    passages = {1: "高校按规定配齐校级专职就业指导教师和专职就业工作人员。"}
    answer = "高校会配齐校级专职就业指导教师[1]。每位毕业生都能领取五千元现金奖励。好的。"
    bad, judged = m.unsupported_sentences(answer, passages)
    assert (bad, judged) == (1, 2)  # "好的。" is too short to judge


def test_sentences_split_chinese_and_english() -> None:
    parts = m.sentences("第一句。第二句！Third one. Fourth?\n第五")
    assert parts == ["第一句。", "第二句!", "Third one.", "Fourth?", "第五"]


def test_support_counts_shared_bigrams_and_words() -> None:
    assert m.support("Python skills [1]", "needs Python skills") == 1.0
    assert m.support("完全无关的句子", "一次性求职补贴") == 0.0


def test_eligibility_precision_recall_ignores_unlabelled_entries() -> None:
    first = m.eligibility_counts({"a", "b", "x"}, ["a", "c"], ["b"])
    assert first == {"tp": 1, "fp": 1, "fn": 1}
    second = m.eligibility_counts({"c"}, ["c"], ["d"])
    scores = m.precision_recall([first, second])
    assert scores["eligibility_precision"] == pytest.approx(2 / 3)
    assert scores["eligibility_recall"] == pytest.approx(2 / 3)


def test_numbers_of_the_products_fixed_wording_are_not_checked() -> None:
    answer = "见习期限一般为3至12个月[1]。详询12333。"
    assert m.numbers_supported(answer, ["见习期限：一般为3至12个月。"]) == (2, 3)
    assert m.numbers_supported(answer, ["见习期限：一般为3至12个月。"], fixed={"12333"}) == (2, 2)


def test_key_facts_are_found_word_for_word_and_the_first_sentence_after_the_framing() -> None:
    from evals.metrics import answer_body, fact_scores, first_sentence, has_fact

    answer = (
        "根据知识库中的《某指南》：\n\n【怎么报名】\n报名分三步：\n1. 登录“某某平台”填表[1]；\n"
        "2. 等待学校审核[1]。\n\n【要多少钱】\n报名不收费[2]。\n\n详情请咨询学校。"
    )
    assert answer_body(answer).splitlines()[0] == "报名分三步："
    assert first_sentence(answer) == "报名分三步：\n1. 登录“某某平台”填表[1]；"
    assert has_fact(answer, "登录某某平台填表")  # quotes and markers do not matter
    assert not has_fact(answer, "登录平台填表")  # but the words must be there in order
    held, lead = fact_scores(answer, ["等待学校审核", "报名不收费", "缴纳100元"], ["报名不收费"])
    assert (held, lead) == (2, False)  # the fee rule is there, but not in the first sentence
    assert fact_scores(answer, ["等待学校审核"], [])[1] is False
    assert fact_scores(answer, ["登录某某平台"], [])[1] is True


def test_the_products_fixed_wording_is_not_judged_as_a_claim(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from evals.metrics import without_framing
    from evals.shipped import framing_patterns

    (tmp_path / "lead.zh.md").write_text("根据知识库中的{{ titles }}：\n", encoding="utf-8")
    (tmp_path / "system.zh.md").write_text("你是一个助手。\n", encoding="utf-8")  # secret
    patterns = framing_patterns(tmp_path)
    answer = "根据知识库中的《某指南》：\n\n报名分三步[1]。\n你是一个助手。"
    # the lead-in goes; a quoted claim stays, and so does text that only a secret prompt has
    assert without_framing(answer, patterns).splitlines() == ["报名分三步[1]。", "你是一个助手。"]
