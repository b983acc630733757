"""The Holland (RIASEC) interest questionnaire: items, scoring, the three-letter code, a chart.

``knowledge/riasec.yaml`` holds the items (our own words, zh and en, each tied to one type), the
five-point scale and the plain-words meaning of each type. Scoring follows the public method of
the O*NET Interest Profiler: each answer counts 0-4, a type's score is the sum of its items, and
the code is the three highest types. Ties keep the questionnaire's R-I-A-S-E-C order and are
reported, so nobody reads a tie as a preference. The code comes only from answers to the items:
nothing here guesses a code from other text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.errors import ValidationFailed
from bot.resources import data_path

TYPES = "RIASEC"
RiasecType = Literal["R", "I", "A", "S", "E", "C"]
MIN_ITEMS, MAX_ITEMS = 30, 60
FLAT_SPREAD = 0.15  # highest minus lowest share of the maximum below this: a flat profile


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Source(_Strict):
    title: str = Field(min_length=4)
    url: str = Field(pattern=r"^https?://")


class Method(_Strict):
    scale_source: Source
    model_source: Source


class Choice(Text):
    value: int = Field(ge=0, le=4)


class TypeInfo(_Strict):
    name: Text
    short: Text
    meaning: Text


class Item(Text):
    id: str = Field(pattern=r"^[a-z][a-z0-9]*$")
    type: RiasecType


class Questionnaire(_Strict):
    version: int = 1
    method: Method
    scale: list[Choice] = Field(min_length=5, max_length=5)
    types: dict[RiasecType, TypeInfo]
    items: list[Item]
    caveat: Text
    flat: Text

    @model_validator(mode="after")
    def _balanced(self) -> Questionnaire:
        if set(self.types) != set(TYPES):
            raise ValueError("types must list R, I, A, S, E and C")
        if not MIN_ITEMS <= len(self.items) <= MAX_ITEMS:
            raise ValueError(f"needs {MIN_ITEMS}-{MAX_ITEMS} items, has {len(self.items)}")
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("item ids must be unique")
        counts = {t: sum(item.type == t for item in self.items) for t in TYPES}
        if len(set(counts.values())) != 1:
            raise ValueError(f"every type needs the same number of items (have {counts})")
        if [c.value for c in self.scale] != [0, 1, 2, 3, 4]:
            raise ValueError("the scale must run 0, 1, 2, 3, 4")
        return self

    @property
    def per_type(self) -> int:
        return len(self.items) // len(TYPES)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


class Result(BaseModel):
    """Scores per type (0 to ``maximum``), the code, ties and whether the profile is flat."""

    scores: dict[str, int]
    maximum: int
    code: str
    ranking: list[str]
    ties: list[list[str]] = Field(default_factory=list)  # groups of types with equal scores
    flat: bool = False
    answered: int
    total: int

    def share(self, letter: str) -> float:
        return self.scores[letter] / self.maximum if self.maximum else 0.0


def default_path() -> Path:
    return data_path("knowledge", "riasec.yaml")


def load_questionnaire(path: Path | None = None) -> Questionnaire:
    """Read and validate the questionnaire; a mistake names the file and the field."""
    path = path or default_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValidationFailed(
            f"{path}: cannot read the questionnaire ({error.strerror})",
            message_zh=f"{path}：无法读取测评问卷（{error.strerror}）",
        ) from None
    except yaml.YAMLError as error:
        raise ValidationFailed(
            f"{path}: not valid YAML ({error})", message_zh=f"{path}：不是有效的 YAML（{error}）"
        ) from None
    try:
        return Questionnaire.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(top level)"
        reason = first["msg"].removeprefix("Value error, ")
        raise ValidationFailed(
            f"{path}: field '{field}': {reason}", message_zh=f"{path}：字段“{field}”有误：{reason}"
        ) from None


def check_answers(
    questionnaire: Questionnaire, answers: Any, *, source: str = "answers"
) -> dict[str, int]:
    """Answers as ``{item id: 0-4}``; an unknown id or a bad value raises naming it."""
    if not isinstance(answers, dict):
        raise ValidationFailed(
            f"{source}: expected a mapping of item id to a value 0-4",
            message_zh=f"{source}：应为“题号: 0-4 的分值”的映射",
        )
    known = {item.id for item in questionnaire.items}
    checked: dict[str, int] = {}
    for key, value in answers.items():
        if str(key) not in known:
            raise ValidationFailed(
                f"{source}: unknown item '{key}'", message_zh=f"{source}：没有题目“{key}”"
            )
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 4:
            raise ValidationFailed(
                f"{source}: item '{key}' needs a whole number 0-4, not {value!r}",
                message_zh=f"{source}：题目“{key}”的答案应为 0-4 的整数，而不是 {value!r}",
            )
        checked[str(key)] = value
    return checked


def progress(questionnaire: Questionnaire, answers: dict[str, int]) -> tuple[int, int]:
    """(answered, total)."""
    known = {item.id for item in questionnaire.items}
    return len(known & answers.keys()), len(questionnaire.items)


def next_item(questionnaire: Questionnaire, answers: dict[str, int]) -> Item | None:
    """The first unanswered item, where a resumed questionnaire goes on."""
    return next((item for item in questionnaire.items if item.id not in answers), None)


def score(questionnaire: Questionnaire, answers: dict[str, int]) -> Result:
    """Score complete answers; an incomplete set raises (a partial code would mislead)."""
    answers = check_answers(questionnaire, answers)
    missing = [item.id for item in questionnaire.items if item.id not in answers]
    if missing:
        raise ValidationFailed(
            f"answers: {len(missing)} of {len(questionnaire.items)} items unanswered "
            f"(first: {missing[0]})",
            message_zh=(
                f"答案：还有 {len(missing)}/{len(questionnaire.items)} 题未作答"
                f"（第一个：{missing[0]}）"
            ),
        )
    scores = {t: 0 for t in TYPES}
    for item in questionnaire.items:
        scores[item.type] += answers[item.id]
    ranking = sorted(TYPES, key=lambda t: (-scores[t], TYPES.index(t)))
    groups: dict[int, list[str]] = {}
    for letter in ranking:
        groups.setdefault(scores[letter], []).append(letter)
    maximum = 4 * questionnaire.per_type
    spread = (scores[ranking[0]] - scores[ranking[-1]]) / maximum
    return Result(
        scores=scores,
        maximum=maximum,
        code="".join(ranking[:3]),
        ranking=ranking,
        ties=[g for g in groups.values() if len(g) > 1],
        flat=spread < FLAT_SPREAD,
        answered=len(questionnaire.items),
        total=len(questionnaire.items),
    )


def parse_code(text: str) -> str:
    """A user-given code ('ias', 'I-A-S'): one to three distinct RIASEC letters, upper case."""
    letters = "".join(ch for ch in text.upper() if ch.isalpha())
    if (
        not 1 <= len(letters) <= 3
        or any(ch not in TYPES for ch in letters)
        or len(set(letters)) != len(letters)
    ):
        raise ValidationFailed(
            f"'{text}' is not a RIASEC code (one to three different letters of R I A S E C)",
            message_zh=f"“{text}”不是有效的霍兰德代码（应为 R I A S E C 中一到三个不同字母）",
        )
    return letters


def explain(questionnaire: Questionnaire, result: Result, lang: str) -> str:
    """The result in plain words, as Markdown, with the caveat that interests are not abilities."""
    names = {t: questionnaire.types[t].name.get(lang) for t in TYPES}  # type: ignore[index]
    lines: list[str] = []
    if lang == "zh":
        lines.append(
            f"**你的兴趣代码：{result.code}**（{'、'.join(names[t] for t in result.code)}）"
        )
    else:
        lines.append(
            f"**Your interest code: {result.code}** ({', '.join(names[t] for t in result.code)})"
        )
    lines.append("")
    for letter in result.code:
        info = questionnaire.types[letter]  # type: ignore[index]
        score_text = f"{result.scores[letter]}/{result.maximum}"
        lines.append(
            f"- **{letter} {info.name.get(lang)}**（{score_text}）：{info.meaning.get(lang)}"
            if lang == "zh"
            else f"- **{letter} {info.name.get(lang)}** ({score_text}): {info.meaning.get(lang)}"
        )
    for group in result.ties:
        joined = "、".join(group) if lang == "zh" else ", ".join(group)
        lines.append(
            f"- {joined} 得分相同，顺序只按 RIASEC 排列，不代表偏好。"
            if lang == "zh"
            else f"- {joined} scored the same; their order is only R-I-A-S-E-C, not a preference."
        )
    if result.flat:
        lines.append(f"- {questionnaire.flat.get(lang)}")
    lines += ["", f"> {questionnaire.caveat.get(lang)}"]
    return "\n".join(lines)


def bars(result: Result, questionnaire: Questionnaire, lang: str, width: int = 20) -> str:
    """A text bar chart for the terminal."""
    rows = []
    for letter in TYPES:
        filled = round(width * result.share(letter))
        name = questionnaire.types[letter].name.get(lang)  # type: ignore[index]
        rows.append(
            f"{letter} {name:<6} {'█' * filled}{'·' * (width - filled)} "
            f"{result.scores[letter]:>2}/{result.maximum}"
        )
    return "\n".join(rows)
