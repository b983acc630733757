"""The interest questionnaire: the shipped file, scoring, ties, partial answers, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.coaching import riasec
from bot.coaching.chart import hexagon_svg
from bot.errors import ValidationFailed


@pytest.fixture(scope="module")
def q() -> riasec.Questionnaire:
    return riasec.load_questionnaire()


def answers_liking(q: riasec.Questionnaire, liked: dict[str, int], rest: int = 1) -> dict[str, int]:
    return {item.id: liked.get(item.type, rest) for item in q.items}


def test_the_shipped_questionnaire_is_balanced_and_bilingual(q: riasec.Questionnaire) -> None:
    assert riasec.MIN_ITEMS <= len(q.items) <= riasec.MAX_ITEMS
    per_type = {t: [i for i in q.items if i.type == t] for t in riasec.TYPES}
    assert {len(v) for v in per_type.values()} == {q.per_type}
    for item in q.items:
        assert item.zh.strip() and item.en.strip() and item.zh != item.en
    assert "不等于能力" in q.caveat.zh and "not abilities" in q.caveat.en


def test_scores_are_sums_per_type_and_the_code_is_the_top_three(q: riasec.Questionnaire) -> None:
    result = riasec.score(q, answers_liking(q, {"A": 4, "S": 3, "E": 2}, rest=0))
    assert result.scores == {
        "R": 0,
        "I": 0,
        "A": 4 * q.per_type,
        "S": 3 * q.per_type,
        "E": 2 * q.per_type,
        "C": 0,
    }
    assert result.code == "ASE"
    assert result.maximum == 4 * q.per_type
    assert result.ties == [["R", "I", "C"]]
    assert not result.flat


def test_ties_keep_riasec_order_and_are_reported(q: riasec.Questionnaire) -> None:
    result = riasec.score(q, answers_liking(q, {"C": 4, "I": 4, "R": 2}, rest=1))
    assert result.code == "ICR"
    assert ["I", "C"] in result.ties
    text = riasec.explain(q, result, "zh")
    assert "得分相同" in text and "兴趣不等于能力" in text


def test_a_flat_profile_says_so(q: riasec.Questionnaire) -> None:
    answers = answers_liking(q, {}, rest=2)
    answers[next(i.id for i in q.items if i.type == "E")] = 3
    result = riasec.score(q, answers)
    assert result.flat
    assert q.flat.en in riasec.explain(q, result, "en")


def test_partial_answers_do_not_score_and_resume_at_the_first_gap(q: riasec.Questionnaire) -> None:
    partial = {item.id: 3 for item in q.items[:10]}
    assert riasec.progress(q, partial) == (10, len(q.items))
    assert riasec.next_item(q, partial) == q.items[10]
    with pytest.raises(ValidationFailed, match="unanswered"):
        riasec.score(q, partial)


@pytest.mark.parametrize(
    ("answers", "reason"),
    [({"zz9": 2}, "unknown item"), ({"r1": 5}, "0-4"), ({"r1": "3"}, "0-4"), ([1, 2], "mapping")],
)
def test_bad_answers_name_the_item_and_the_reason(
    q: riasec.Questionnaire, answers: object, reason: str
) -> None:
    with pytest.raises(ValidationFailed, match=reason):
        riasec.check_answers(q, answers)


def test_an_unbalanced_questionnaire_file_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(riasec.default_path().read_text(encoding="utf-8"))
    data["items"] = [i for i in data["items"] if i["id"] != "r1"]
    path = tmp_path / "riasec.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationFailed, match="same number of items"):
        riasec.load_questionnaire(path)


def test_parse_code() -> None:
    assert riasec.parse_code("i-a-s") == "IAS"
    for bad in ("IX", "IIA", "RIAS", ""):
        with pytest.raises(ValidationFailed):
            riasec.parse_code(bad)


def test_the_chart_draws_six_labelled_corners_and_highlights_the_code(
    q: riasec.Questionnaire,
) -> None:
    result = riasec.score(q, answers_liking(q, {"S": 4, "E": 3, "A": 2}, rest=0))
    svg = hexagon_svg(result, q, "en")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<text") == 6
    assert 'font-weight="bold" data-type="S"' in svg
    assert 'font-weight="normal" data-type="R"' in svg
    assert "<script" not in svg
