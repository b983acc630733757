"""Model-suggested rewrites of résumé lines, each checked so that nothing is added.

The model sees the lines the offline review marked (duties, lines without numbers) and the
résumé as fenced material, through ``prompts/resume_rewrite.*.md``. A rewrite is kept only when
every number, every Latin-script term (tools, languages, names) and every skill keyword of the
occupation catalogue it contains already appears in the résumé, and when most of its words do
(at most :data:`MAX_NEW_WORDS` of its content words are new: connecting and result verbs are
free). A dropped rewrite says why. Without a model, or when the endpoint fails, there are simply
no rewrites: the offline findings stand.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import BaseModel

from bot.chat.numbers import numbers_in
from bot.chat.prompts import PromptLibrary
from bot.coaching.resume import _BULLET, Finding, ResumeText

log = logging.getLogger(__name__)

MAX_NEW_WORDS = 0.35
MAX_LINES = 8
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9+#.\-]*[A-Za-z0-9+#]|[A-Za-z]")
_LINE = re.compile(r"^\s*(\d+)[.、)]\s*(.+?)\s*$")
# Words a rewrite may bring in: they restate how and with what effect, not what happened.
FREE_WORDS = set(
    [
        "通过",
        "完成",
        "实现",
        "提升",
        "提高",
        "降低",
        "减少",
        "推动",
        "优化",
        "改进",
        "独立",
        "主导",
        "牵头",
        "协同",
        "配合",
        "负责",
        "使",
        "使得",
        "带来",
        "帮助",
        "支持",
        "确保",
        "按时",
        "准确",
        "及时",
        "有效",
        "成功",
        "整理",
        "梳理",
        "搭建",
        "建立",
        "形成",
        "输出",
        "撰写",
        "设计",
        "分析",
        "可",
        "补充",
        "具体",
        "数量",
        "结果",
        "效果",
        "并",
        "和",
        "及",
        "与",
        "对",
        "将",
        "把",
        "为",
        "在",
        "从",
        "的",
        "了",
        "后",
        "中",
        "共",
        "约",
        "其",
        "该",
        "等",
        "by",
        "through",
        ("completed"),
        "delivered",
        "improved",
        "reduced",
        "increased",
        "led",
        "built",
        "wrote",
        "designed",
        "analysed",
        "analyzed",
        "supported",
        "ensured",
        "add",
        "how",
        "many",
        "result",
        "results",
        "the",
        "a",
        "an",
        "and",
        "of",
        "to",
        "for",
        "with",
        "on",
        "in",
        "which",
        "that",
        "as",
        "was",
        "were",
    ]
)


class Rewrite(BaseModel):
    original: str
    rewrite: str
    kept: bool
    reason: str = ""  # why it was dropped


def _terms(text: str) -> set[str]:
    return {t.lower() for t in _LATIN.findall(text)}


def _words(text: str) -> list[str]:
    import jieba

    return [
        w.lower()
        for w in jieba.lcut(text)
        if len(w.strip()) >= 2 and re.search(r"[\w\u4e00-\u9fff]", w) and not w.isdigit()
    ]


def check_rewrite(original: str, rewrite: str, resume: ResumeText, keywords: list[str]) -> str:
    """Why ``rewrite`` adds something the résumé lacks ('' when it adds nothing)."""
    text = resume.text
    new_numbers = numbers_in(rewrite) - numbers_in(text)
    if new_numbers:
        return f"adds numbers {sorted(new_numbers)}"
    lowered = text.lower()
    new_terms = {t for t in _terms(rewrite) if t not in lowered}
    if new_terms:
        return f"adds terms {sorted(new_terms)}"
    new_skills = [k for k in keywords if k.lower() in rewrite.lower() and k.lower() not in lowered]
    if new_skills:
        return f"adds skills {new_skills}"
    words = [w for w in _words(rewrite) if w not in FREE_WORDS]
    if words:
        new = [w for w in words if w not in lowered]
        if len(new) / len(words) > MAX_NEW_WORDS:
            return f"adds content {new[:5]}"
    return ""


def suggest_rewrites(
    resume: ResumeText,
    findings: list[Finding],
    llm: Any,
    lang: str,
    *,
    keywords: list[str] | None = None,
    prompts: PromptLibrary | None = None,
) -> list[Rewrite]:
    """Checked rewrites of the lines the findings marked; [] without a model or on failure."""
    targets = []
    for finding in findings:
        if finding.kind == "duty":
            line = next((ln for ln in resume.lines if finding.text in ln), finding.text)
            targets.append(_BULLET.sub("", line))
    targets = list(dict.fromkeys(targets))[:MAX_LINES]
    if llm is None or not targets:
        return []
    prompt = (prompts or PromptLibrary()).render(
        "resume_rewrite",
        lang,
        bullets="\n".join(f"{n}. {line}" for n, line in enumerate(targets, start=1)),
        resume=resume.text.replace(">>>", "> > >"),
    )
    try:
        reply = llm.invoke(prompt)
    except Exception as error:  # any endpoint failure: the offline findings stand
        log.warning("the chat model could not suggest rewrites: %s", error)
        return []
    out: list[Rewrite] = []
    for raw in str(getattr(reply, "content", reply)).splitlines():
        match = _LINE.match(raw)
        if not match or not 1 <= int(match[1]) <= len(targets):
            continue
        original, rewrite = targets[int(match[1]) - 1], match[2]
        reason = check_rewrite(original, rewrite, resume, keywords or [])
        out.append(Rewrite(original=original, rewrite=rewrite, kept=not reason, reason=reason))
    return out
