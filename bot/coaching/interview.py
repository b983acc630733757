"""Interview practice: questions by format and occupation, offline feedback, a session summary.

Questions are the project's own (``knowledge/interview.yaml``). The format follows the target
occupation's routes: civil service, public institutions and grassroots programmes interview in
the structured format; teaching posts with a trial lesson; companies with behavioural questions
and group discussions. Offline feedback on a typed answer checks four things and says which are
missing: structure (STAR cues, for questions that ask for a story), length, specifics (numbers
and named things) and the question's own points (keywords). With a model, extra feedback is
written under the same checks (``prompts/interview_feedback.*``) and dropped if it invents
numbers the answer does not hold. Cue lists are tuned on the ``dev`` split of the coaching eval.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.chat.numbers import numbers_in
from bot.chat.prompts import PromptLibrary
from bot.errors import ValidationFailed
from bot.planning.catalogue import Bilingual, Clause
from bot.resources import data_path

log = logging.getLogger(__name__)

Format = Literal["structured", "group", "teacher", "behavioural"]
FORMATS: tuple[Format, ...] = ("structured", "group", "teacher", "behavioural")
POINT_SHARE = 0.5  # at least this share of the question's points must be covered

STAR_CUES: dict[str, re.Pattern[str]] = {
    "situation": re.compile(
        r"当时|那时|那次|在.{0,12}(?:期间|时候|实习|比赛|项目|课上)|大[一二三四]|学期|去年|背景|"
        r"\bwhen i\b|\bat the time\b|\bduring\b|\blast (?:year|summer|term)\b|\bonce\b",
        re.I,
    ),
    "task": re.compile(
        r"任务|目标|需要|要求|负责|我的工作是|问题是|挑战|"
        r"\bmy (?:task|job|goal|role)\b|\bi (?:had|needed|was asked) to\b|\bthe goal\b",
        re.I,
    ),
    "action": re.compile(
        r"我(?:先|首先|就|主动|决定|开始|找|联系|查|做|写|设计|组织|分析|提出|带|整理|学习|尝试)|"
        r"首先|然后|接着|于是|之后我|"
        r"\bi (?:first|then|decided|contacted|wrote|built|designed|organi[sz]ed|analy[sz]ed|"
        r"proposed|led|tried|learned|set up|asked)\b|\bso i\b",
        re.I,
    ),
    "result": re.compile(
        r"结果|最终|最后|终于|提升|提高|减少|缩短|完成了|获得|拿到|得到|被采用|效果|"
        r"\bresult|\bin the end\b|\bfinally\b|\bincreas|\breduc|\bimprov|\bwon\b|\bsaved\b",
        re.I,
    ),
}
# Named things: titles and quoted names, acronyms (SQL), CamelCase tools (PyTorch), names with
# digits (P99), and capitalised words inside a sentence (not the sentence's first word, not "I").
_NAMED = re.compile(
    r"《[^》]{1,30}》|“[^”]{2,20}”|\b[A-Z]{2,}[A-Za-z]*\b|\b[A-Z][a-z]+[A-Z][A-Za-z]*\b|"
    r"\b[A-Za-z]+\d+[A-Za-z]*\b|(?<=[a-z,] )[A-Z][a-z]{2,}"
)


_NUMBER_WORDS = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|hundred|thousand|million|half|double|twice)\b",
    re.I,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Point(_Strict):
    zh: str
    en: str
    keywords: list[str] = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class FormatInfo(_Strict):
    name: Bilingual
    clause: Clause


class Question(_Strict):
    id: str = Field(pattern=r"^[a-z]{2}-[a-z0-9-]+$")
    format: Format
    zh: str
    en: str
    star: bool
    min_chars: int = Field(ge=20)
    max_chars: int = Field(ge=40)
    points: list[Point] = Field(min_length=2)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Bank(_Strict):
    version: int = 1
    formats: dict[Format, FormatInfo]
    questions: list[Question]

    def of_format(self, fmt: str) -> list[Question]:
        return [q for q in self.questions if q.format == fmt]

    def get(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise ValidationFailed(
            f"no interview question '{question_id}'", message_zh=f"没有面试题“{question_id}”"
        )


class Feedback(BaseModel):
    question_id: str
    lang: str
    length: int
    length_ok: bool
    star: dict[str, bool] = Field(default_factory=dict)  # only for story questions
    numbers: int = 0
    named: int = 0
    points_covered: list[str] = Field(default_factory=list)
    points_missing: list[str] = Field(default_factory=list)
    tips: list[str] = Field(default_factory=list)
    llm_feedback: str | None = None

    @property
    def specific(self) -> bool:
        return self.numbers + self.named > 0

    def issues(self) -> list[str]:
        """Codes of what the answer lacks: short/long, star_<part>, vague, points."""
        found = []
        if not self.length_ok:
            found.append("length")
        found += [f"star_{part}" for part, ok in self.star.items() if not ok]
        if not self.specific:
            found.append("vague")
        if self.points_missing and len(self.points_covered) < POINT_SHARE * (
            len(self.points_covered) + len(self.points_missing)
        ):
            found.append("points")
        return found


def default_path() -> Path:
    return data_path("knowledge", "interview.yaml")


def load_bank(path: Path | None = None) -> Bank:
    path = path or default_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Bank.model_validate(data)
    except OSError as error:
        raise ValidationFailed(
            f"{path}: cannot read the question bank ({error.strerror})",
            message_zh=f"{path}：无法读取面试题库（{error.strerror}）",
        ) from None
    except yaml.YAMLError as error:
        raise ValidationFailed(
            f"{path}: not valid YAML ({error})", message_zh=f"{path}：不是有效的 YAML（{error}）"
        ) from None
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        reason = first["msg"].removeprefix("Value error, ")
        raise ValidationFailed(
            f"{path}: field '{field}': {reason}", message_zh=f"{path}：字段“{field}”有误：{reason}"
        ) from None


def formats_for(routes: list[str], certificates: list[str]) -> list[Format]:
    """The interview formats an occupation's routes lead to, most likely first."""
    found: list[Format] = []
    if "teacher" in certificates or "special_post" in routes:
        found.append("teacher")
    if {"civil_service", "public_institution", "grassroots"} & set(routes):
        found.append("structured")
    if {"campus", "soe", "foreign_permit"} & set(routes):
        found += ["behavioural", "group"]
    return list(dict.fromkeys(found)) or ["behavioural"]


def _length(answer: str, lang: str) -> int:
    if lang == "en":
        return len(re.findall(r"[A-Za-z']+", answer)) * 2  # ~2 characters of Chinese per word
    return len(re.sub(r"\s", "", answer))


def _has(keywords: list[str], text: str) -> bool:
    lowered = text.lower()
    return any(k.lower() in lowered for k in keywords)


def feedback(question: Question, answer: str, lang: str) -> Feedback:
    """Offline feedback on one typed answer."""
    length = _length(answer, lang)
    covered = [p.get(lang) for p in question.points if _has(p.keywords, answer)]
    missing = [p.get(lang) for p in question.points if not _has(p.keywords, answer)]
    result = Feedback(
        question_id=question.id,
        lang=lang,
        length=length,
        length_ok=question.min_chars <= length <= question.max_chars,
        star={part: bool(cue.search(answer)) for part, cue in STAR_CUES.items()}
        if question.star
        else {},
        numbers=len(numbers_in(answer)) + len(_NUMBER_WORDS.findall(answer)),
        named=len(_NAMED.findall(answer)),
        points_covered=covered,
        points_missing=missing,
    )
    result.tips = _tips(question, result, lang)
    return result


_TIPS = {
    "short": (
        "回答偏短（约 {n} 字，建议 {lo}—{hi} 字）：把过程和结果说完整。",
        (
            "Rather short (about {n} characters' worth; aim for {lo}-{hi}): finish the story "
            "and its result."
        ),
    ),
    "long": (
        "回答偏长（约 {n} 字，建议不超过 {hi} 字）：先说结论，删去枝节。",
        "Rather long (about {n}; keep under {hi}): lead with the point and cut side issues.",
    ),
    "star_situation": (
        "交代一下背景：什么时候、在哪里、什么情况。",
        "Set the scene: when, where, what was going on.",
    ),
    "star_task": ("说明你当时的任务或目标是什么。", "Say what your task or goal was."),
    "star_action": ("多说“我”具体做了什么，按步骤讲。", "Say what *you* did, step by step."),
    "star_result": (
        "讲出结果，最好有数字（如提升了多少、完成了几项）。",
        "Give the result, with a number if you can.",
    ),
    "vague": (
        "内容比较笼统：加上数字、名称或具体做法。",
        "It stays general: add numbers, names or concrete steps.",
    ),
}


def _tips(question: Question, result: Feedback, lang: str) -> list[str]:
    i = 0 if lang == "zh" else 1
    tips = []
    if not result.length_ok:
        key = "short" if result.length < question.min_chars else "long"
        tips.append(
            _TIPS[key][i].format(n=result.length, lo=question.min_chars, hi=question.max_chars)
        )
    tips += [_TIPS[f"star_{part}"][i] for part, ok in result.star.items() if not ok]
    if not result.specific:
        tips.append(_TIPS["vague"][i])
    if result.points_missing:
        joined = ("、" if lang == "zh" else "; ").join(result.points_missing)
        tips.append(
            f"还可以谈到：{joined}。" if lang == "zh" else f"You could also cover: {joined}."
        )
    return tips


def llm_feedback(
    question: Question,
    answer: str,
    result: Feedback,
    llm: Any,
    lang: str,
    prompts: PromptLibrary | None = None,
) -> str | None:
    """The model's feedback under the same checks, or None (no model, failure, invented numbers)."""
    if llm is None:
        return None
    checks = "\n".join(f"- {tip}" for tip in result.tips) or "-"
    prompt = (prompts or PromptLibrary()).render(
        "interview_feedback",
        lang,
        question=question.get(lang),
        checks=checks,
        answer=answer.replace(">>>", "> > >"),
    )
    try:
        reply = llm.invoke(prompt)
    except Exception as error:  # the offline feedback stands
        log.warning("the chat model could not give interview feedback: %s", error)
        return None
    text = str(getattr(reply, "content", reply)).strip()
    allowed = numbers_in(answer) | numbers_in(question.get(lang)) | numbers_in(checks)
    if not text or numbers_in(text) - allowed:
        return None
    return text


def summary(results: list[Feedback], lang: str) -> str:
    """What the session showed and what to practise next, as Markdown."""
    return summary_of_issues([r.issues() for r in results], lang)


def summary_of_issues(per_answer: list[list[str]], lang: str) -> str:
    """The summary from each answer's issue codes (what a stored session keeps)."""
    if not per_answer:
        return "还没有回答任何问题。" if lang == "zh" else "No answers yet."
    counts: dict[str, int] = {}
    for issues in per_answer:
        for issue in issues:
            key = "star" if issue.startswith("star_") else issue
            counts[key] = counts.get(key, 0) + 1
    good = sum(not issues for issues in per_answer)
    results = per_answer
    names = {
        "zh": {
            "length": "控制篇幅",
            "star": "按“情境—任务—行动—结果”讲故事",
            "vague": "给出数字和具体做法",
            "points": "覆盖题目的要点",
        },
        "en": {
            "length": "the length of answers",
            "star": "telling stories as situation-task-action-result",
            "vague": "numbers and concrete steps",
            "points": "covering the question's points",
        },
    }[lang if lang == "en" else "zh"]
    order = sorted(counts, key=lambda k: -counts[k])
    if lang == "zh":
        lines = [f"本次练习回答了 {len(results)} 题，其中 {good} 题各项检查都通过。"]
        lines.append(
            "接下来重点练习：" + "；".join(names[k] for k in order) + "。"
            if order
            else "继续保持，可以换一种面试形式练习。"
        )
    else:
        lines = [f"You answered {len(results)} questions; {good} passed every check."]
        lines.append(
            "Practise next: " + "; ".join(names[k] for k in order) + "."
            if order
            else "Well done; try another interview format next."
        )
    return "\n\n".join(lines)
