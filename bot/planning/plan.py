"""Career plans: from today to two years after leaving school, every item with its source.

:func:`make_plan` lays the catalogue's calendar events and programme windows over the months
ahead (each window once, at its first month with its span; yearly windows in the round the
graduate is for), keeps the resources that may apply and suit the graduate's paths, and collects a
checklist, open questions and skills per preferred path. Each item carries the clause it comes
from, or is marked as the usual timing only ("typical, check this year's notice"). With a
retriever it adds a related passage per resource; with a chat model it adds personal advice
grounded on the same items (:mod:`bot.planning.advice`). Rendering to Markdown is
:func:`render_markdown` in :mod:`bot.planning.render`, re-exported here.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from bot.chat.models import Citation
from bot.knowledge.protocols import Retriever
from bot.planning import vocabulary as vocab
from bot.planning.catalogue import (
    Bilingual,
    Catalogue,
    Claim,
    Clause,
    default_catalogue_path,
)
from bot.planning.clauses import DocumentShelf
from bot.planning.eligibility import EligibilityResult, assess
from bot.planning.profile import Profile
from bot.planning.timeline import Milestone, horizon, milestones, month_index, month_label

log = logging.getLogger(__name__)


class ChecklistItem(BaseModel):
    text: Bilingual
    clause: Clause


class SkillItem(BaseModel):
    path: str  # a path code, or a topic id
    label: Bilingual
    skill: Claim


class LaterResult(BaseModel):
    """A resource that does not apply yet but may from ``since`` (final year, or after leaving)."""

    since: str  # YYYY-MM
    result: EligibilityResult


class SelfAssessment(BaseModel):
    """The interest assessment's result, when the graduate took the questionnaire."""

    code: str
    scores: dict[str, int]
    maximum: int
    summary: Bilingual  # the code's meaning in plain words, with the caveat


class TargetOccupation(BaseModel):
    """An occupation suggested by :mod:`bot.coaching.matching`, with why and how to get there."""

    id: str
    name: Bilingual
    reasons: list[Bilingual] = Field(default_factory=list)
    routes: list[Bilingual] = Field(default_factory=list)
    gaps: list[Bilingual] = Field(default_factory=list)  # core skills not shown yet


class SkillAction(BaseModel):
    """A dated step towards a target occupation's missing skill."""

    month: str  # YYYY-MM
    text: Bilingual
    occupation: str


class Plan(BaseModel):
    profile: Profile
    lang: Literal["zh", "en"]
    today: date
    start: str
    end: str
    notes: list[Bilingual] = Field(default_factory=list)
    milestones: list[Milestone] = Field(default_factory=list)
    resources: list[EligibilityResult] = Field(default_factory=list)
    later: list[LaterResult] = Field(default_factory=list)  # may apply from a later month
    not_for_you: list[EligibilityResult] = Field(default_factory=list)  # relevant but unlikely
    checklist: list[ChecklistItem] = Field(default_factory=list)
    skills: list[SkillItem] = Field(default_factory=list)
    questions: list[tuple[Bilingual, Clause]] = Field(default_factory=list)
    related: list[Citation] = Field(default_factory=list)  # passages from the retriever
    advice: str | None = None  # personal advice written by the chat model
    # Coaching parts (bot.coaching.planning fills them; empty for a policy-only plan).
    coaching: bool = False  # whether the coaching parts were asked for
    self_assessment: SelfAssessment | None = None
    targets: list[TargetOccupation] = Field(default_factory=list)
    skill_actions: list[SkillAction] = Field(default_factory=list)
    docs_dir: Path = Field(default_factory=lambda: default_catalogue_path().parent / "docs")

    def clauses(self) -> list[Clause]:
        """Every clause the plan cites, in the order a reader meets them."""
        found: list[Clause] = [m.clause for m in self.milestones if m.clause]
        for result in self.resources:
            resource = result.resource
            found.append(resource.summary.clause)
            found.extend(c.clause for c in [*result.met, *result.unknown])
            if resource.amount:
                found.append(resource.amount.clause)
            found.extend(step.clause for step in resource.apply)
            found.append(resource.channel.clause)
        for item in self.later:
            found.extend([item.result.resource.summary.clause, item.result.resource.channel.clause])
        for result in self.not_for_you:
            found.extend(c.clause for c in result.failed)
        found.extend(item.clause for item in self.checklist)
        found.extend(clause for _, clause in self.questions)
        found.extend(item.skill.clause for item in self.skills)
        return list(dict.fromkeys(found))

    def citations(self) -> list[Citation]:
        """Numbered citations, one per distinct clause (``n`` matches the ``[n]`` markers)."""
        shelf = DocumentShelf(self.docs_dir)
        return [
            Citation(
                n=n,
                title=shelf.title(c.doc),
                section=c.section,
                text=c.quote,
                source=f"knowledge/docs/{c.doc}",
                doc_id=c.doc,
            )
            for n, c in enumerate(self.clauses(), start=1)
        ]

    def to_dict(self) -> dict[str, Any]:
        lang = self.lang
        numbers = {c: n for n, c in enumerate(self.clauses(), start=1)}

        def ref(clause: Clause | None) -> int | None:
            return numbers.get(clause) if clause else None

        return {
            "lang": lang,
            "today": self.today.isoformat(),
            "start": self.start,
            "end": self.end,
            "profile": self.profile.model_dump(mode="json", exclude_none=True),
            "notes": [n.get(lang) for n in self.notes],
            "milestones": [
                {
                    "month": m.month,
                    "until": m.until,
                    "label": m.label.get(lang),
                    "source": m.source,
                    "cite": ref(m.clause),
                }
                for m in self.milestones
            ],
            "resources": [r.to_dict(lang) for r in self.resources],
            "later": [{"since": i.since} | i.result.to_dict(lang) for i in self.later],
            "not_for_you": [r.to_dict(lang) for r in self.not_for_you],
            "checklist": [
                {"item": i.text.get(lang), "cite": ref(i.clause)} for i in self.checklist
            ],
            "questions": [{"ask": q.get(lang), "cite": ref(c)} for q, c in self.questions],
            "skills": [
                {"path": s.path, "skill": s.skill.get(lang), "cite": ref(s.skill.clause)}
                for s in self.skills
            ],
            "advice": self.advice,
            "self_assessment": (
                None
                if self.self_assessment is None
                else {
                    "code": self.self_assessment.code,
                    "scores": self.self_assessment.scores,
                    "maximum": self.self_assessment.maximum,
                    "summary": self.self_assessment.summary.get(lang),
                }
            ),
            "targets": [
                {
                    "id": t.id,
                    "name": t.name.get(lang),
                    "reasons": [r.get(lang) for r in t.reasons],
                    "routes": [r.get(lang) for r in t.routes],
                    "gaps": [g.get(lang) for g in t.gaps],
                }
                for t in self.targets
            ],
            "skill_actions": [
                {"month": a.month, "action": a.text.get(lang), "occupation": a.occupation}
                for a in self.skill_actions
            ],
            "citations": [c.model_dump(mode="json") for c in self.citations()],
            "related": [c.model_dump(mode="json") for c in self.related],
        }


def _relevant(paths_of_item: list[str], profile: Profile) -> bool:
    if not paths_of_item:
        return True
    paths = set(profile.paths or [])
    if profile.employment == "flexible":
        paths.add("flexible")  # already on that path, whatever they want next
    return bool(set(paths_of_item) & paths)


def _checkpoints(profile: Profile, today: date) -> list[date]:
    """When more may open, while still ahead: the final year, the graduation calendar year
    (January: the tax relief's 毕业年度) and the month after leaving."""
    grad = profile.graduation_date
    if grad is None:
        return []
    final = month_index(grad) - 11
    january = grad.year * 12
    after = month_index(grad) + 1
    days = [date(i // 12, i % 12 + 1, 1) for i in sorted({final, january, after})]
    return [day for day in days if day > today]


def _later(profile: Profile, catalogue: Catalogue, today: date, now: set[str]) -> list[LaterResult]:
    """Resources that fail today only because of timing and may apply at a later checkpoint."""
    found: list[LaterResult] = []
    seen = set(now)
    for day in _checkpoints(profile, today):
        for result in assess(profile, catalogue, day):
            if result.resource_id not in seen and _keep(result, profile):
                seen.add(result.resource_id)
                found.append(LaterResult(since=month_label(month_index(day)), result=result))
    return found


def _keep(result: EligibilityResult, profile: Profile) -> bool:
    return result.outcome != "unlikely" and _relevant(result.resource.paths, profile)


def make_plan(
    profile: Profile,
    catalogue: Catalogue,
    today: date,
    retriever: Retriever | None = None,
    llm: Any = None,
    *,
    lang: str | None = None,
    docs_dir: Path | None = None,
    prompts_dir: Path | None = None,
) -> Plan:
    """A plan for ``profile`` from ``today``; ``lang`` defaults to the profile's language."""
    language = lang or profile.language or "zh"
    notes: list[Bilingual] = []
    start, end = horizon(profile, today, notes)
    assessed = assess(profile, catalogue, today)
    results = [r for r in assessed if _keep(r, profile)]
    later = _later(profile, catalogue, today, {r.resource_id for r in results})
    later_ids = {item.result.resource_id for item in later}
    excluded = [
        r
        for r in assessed
        if r.outcome == "unlikely"
        and r.resource_id not in later_ids
        and not r.resource.targeted
        and (profile.paths is None or _relevant(r.resource.paths, profile))
    ]
    events = [(e, e.id) for e in catalogue.calendar if _relevant(e.paths, profile)]
    for result in [*results, *(item.result for item in later)]:
        events.extend((w, result.resource_id) for w in result.resource.windows)
    plan = Plan(
        profile=profile,
        lang="en" if language == "en" else "zh",
        today=today,
        start=month_label(start),
        end=month_label(end),
        notes=notes,
        milestones=milestones(events, profile, start, end),
        resources=results,
        later=later,
        not_for_you=excluded,
    )
    if docs_dir is not None:
        plan.docs_dir = docs_dir
    if profile.paths is None:
        notes.append(
            Bilingual(
                zh="你还没说想走哪条路，下面只列出不分方向的政策和服务。",
                en="You have not said which paths interest you, so only resources "
                "for everyone are listed.",
            )
        )
    _fill_lists(plan, catalogue)
    if retriever is not None:
        plan.related = _related(plan, retriever)
    if llm is not None:
        from bot.planning.advice import write_advice

        plan.advice = write_advice(plan, llm, prompts_dir=prompts_dir)
    return plan


def _fill_lists(plan: Plan, catalogue: Catalogue) -> None:
    seen: set[str] = set()
    for result in plan.resources:
        step = result.resource.apply[0]
        name = result.resource.name
        plan.checklist.append(
            ChecklistItem(
                text=Bilingual(zh=f"{name.zh}：{step.zh}", en=f"{name.en}: {step.en}"),
                clause=step.clause,
            )
        )
        for check in result.unknown:
            if check.question and check.question.zh not in seen:
                seen.add(check.question.zh)
                plan.questions.append((check.question, check.clause))
    for path in plan.profile.paths or []:
        direction = catalogue.directions.get(path)
        if direction is None:
            continue
        zh, en = vocab.PATHS[path]
        plan.skills.extend(
            SkillItem(path=path, label=Bilingual(zh=zh, en=en), skill=s) for s in direction.skills
        )
        plan.checklist.extend(
            ChecklistItem(text=Bilingual(zh=s.zh, en=s.en), clause=s.clause)
            for s in direction.first_steps
        )
    profile = plan.profile
    words = " ".join(
        [*(profile.interests or []), *(profile.strengths or []), profile.major or ""]
    ).lower()
    for topic in catalogue.topics:
        if topic.always or any(k.lower() in words for k in topic.keywords):
            plan.skills.extend(
                SkillItem(path=topic.id, label=topic.label, skill=s) for s in topic.skills
            )


def _related(plan: Plan, retriever: Retriever) -> list[Citation]:
    found: list[Citation] = []
    for result in plan.resources[:5]:
        for hit in retriever.search(result.resource.name.zh, k=1):
            found.append(
                Citation(
                    n=len(found) + 1,
                    title=hit.title,
                    section=hit.section,
                    page=hit.page,
                    source=hit.source,
                    text=hit.text,
                    score=hit.score,
                    doc_id=hit.doc_id,
                    chunk_id=hit.chunk_id,
                )
            )
    return found


def render_markdown(plan: Plan) -> str:
    """The plan as Markdown in its language (see :mod:`bot.planning.render`)."""
    from bot.planning.render import plan_markdown

    return plan_markdown(plan)
