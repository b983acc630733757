"""The evidence-quoted metric: does the answer text itself say what the evidence says?"""

from __future__ import annotations

from bot.chat.models import Answer, Citation
from evals.cases import Case
from evals.metrics import quotes_evidence
from evals.suites.answers import run_answers

EVIDENCE = ["毕业年度内、来自低保家庭的高校毕业生"]


def test_exact_quote_ignores_markers_spaces_and_punctuation() -> None:
    answer = "可以。毕业年度内 来自低保家庭的[1]高校毕业生，可以申请一次性求职补贴。"
    assert quotes_evidence(answer, EVIDENCE)


def test_most_bigrams_count_as_a_quote() -> None:
    # one list item dropped from the evidence: most of its bigrams are still there
    evidence = ["低保家庭、零就业家庭、脱贫家庭的高校毕业生可以申请"]
    assert quotes_evidence("低保家庭、脱贫家庭的高校毕业生可以申请补贴[1]。", evidence)


def test_off_topic_answer_does_not_quote() -> None:
    answer = "各省可以结合实际扩大帮扶范围[1]。宏志助航计划提供培训[2]。"
    assert not quotes_evidence(answer, EVIDENCE)
    assert not quotes_evidence(answer, [])


def test_english_evidence_needs_the_words() -> None:
    evidence = ["Applicants must be aged 18 to 30"]
    assert quotes_evidence("Applicants must be aged 18 to 30 [1].", evidence)
    assert not quotes_evidence("Apply online through the official website [1].", evidence)


def test_answers_suite_reports_evidence_quoted_only_over_answered_cases() -> None:
    cases = [
        Case(id="a", question="低保户有补贴吗？", evidence=EVIDENCE, answerable=True, lang="zh"),
        Case(id="b", question="补贴怎么申请？", evidence=["通过学校统一申报"], answerable=True),
        Case(id="c", question="西部计划几岁？", evidence=["年龄不超过30周岁"], answerable=True),
        Case(id="d", question="北京落户吗？", evidence=[], answerable=False),
    ]
    passage = "毕业年度内、来自低保家庭的高校毕业生可以申请。一般通过学校统一申报。"
    replies = {
        "a": Answer(
            answer="毕业年度内、来自低保家庭的高校毕业生可以申请[1]。",
            citations=[Citation(n=1, title="t", text=passage)],
        ),
        # cites the right passage but quotes another sentence of it
        "b": Answer(
            answer="毕业年度内、来自低保家庭的高校毕业生可以申请[1]。",
            citations=[Citation(n=1, title="t", text=passage)],
        ),
        "c": Answer(answer="没有找到。", abstained=True),  # abstained: not counted
        "d": Answer(answer="没有找到。", abstained=True),
    }
    result = run_answers(cases, lambda case: replies[case.id], dataset="mini")
    assert result.metrics["evidence_quoted"] == 0.5
    # "b" cites the passage holding its evidence without quoting it; "c" abstained
    assert result.metrics["evidence_cited"] == 2 / 3
    quoted = {c.id: c.details.get("evidence_quoted") for c in result.cases}
    assert quoted == {"a": True, "b": False, "c": None, "d": None}
