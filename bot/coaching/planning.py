"""A career plan with its coaching parts: self-assessment, target occupations, skill actions.

:func:`coaching_plan` makes the policy plan of :mod:`bot.planning.plan` and adds the graduate's
interest result (only from the questionnaire), the occupations :mod:`bot.coaching.matching`
suggests, and one dated action per missing skill of the top targets. Actions are spread one a
month from next month and finish before the first recruitment window that matters (the autumn
campus round of the final year; the civil-service exam season for civil-service targets), so
there is something to show when applications open.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.coaching.matching import Suggestion, suggest
from bot.coaching.occupations import OccupationCatalogue
from bot.coaching.riasec import Questionnaire, Result, explain
from bot.planning.catalogue import Bilingual, Catalogue
from bot.planning.plan import Plan, SelfAssessment, SkillAction, TargetOccupation, make_plan
from bot.planning.profile import Profile

TOP_TARGETS = 3
MAX_ACTIONS = 6
AUTUMN_MONTH = 9  # campus recruitment peaks September-November of the final year
CIVIL_SERVICE_MONTH = 10  # national exam registration, autumn of the final year


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _deadline(profile: Profile, targets: list[Suggestion], today: date) -> int | None:
    grad = profile.graduation_date
    if grad is None:
        return None
    month = (
        CIVIL_SERVICE_MONTH if targets and "civil_service" in targets[0].routes else AUTUMN_MONTH
    )
    index = (grad.year - 1) * 12 + month - 1
    return index if index > _month_index(today) else None


def skill_actions(
    profile: Profile, targets: list[Suggestion], catalogue: OccupationCatalogue, today: date
) -> list[SkillAction]:
    """One action per missing skill of the top targets, one a month, before the deadline."""
    gaps: list[tuple[str, Suggestion]] = []
    seen: set[str] = set()
    for target in targets[:TOP_TARGETS]:
        for gap in target.gaps:
            if gap not in seen:
                seen.add(gap)
                gaps.append((gap, target))
    gaps = gaps[:MAX_ACTIONS]
    first = _month_index(today) + 1
    deadline = _deadline(profile, targets, today)
    last = (deadline - 1) if deadline is not None else first + len(gaps) - 1
    actions = []
    for n, (skill_id, target) in enumerate(gaps):
        month = min(first + n, max(last, first))
        skill = catalogue.skills[skill_id]
        occ_name = target.occupation.name
        actions.append(
            SkillAction(
                month=_label(month),
                occupation=target.id,
                text=Bilingual(
                    zh=f"补上「{skill.zh}」：选一门课程项目、实习任务或比赛做出成果，"
                    f"记下数字，写进简历（为{occ_name.zh}做准备）",
                    en=f"Build '{skill.en}': finish a course project, internship task or "
                    f"competition entry with a result you can count, and put it on your CV "
                    f"(towards {occ_name.en})",
                ),
            )
        )
    return actions


def self_assessment(questionnaire: Questionnaire, result: Result) -> SelfAssessment:
    return SelfAssessment(
        code=result.code,
        scores=result.scores,
        maximum=result.maximum,
        summary=Bilingual(
            zh=explain(questionnaire, result, "zh"), en=explain(questionnaire, result, "en")
        ),
    )


def targets_of(
    suggestions: list[Suggestion], catalogue: OccupationCatalogue
) -> list[TargetOccupation]:
    return [
        TargetOccupation(
            id=s.id,
            name=s.occupation.name,
            reasons=s.reasons,
            routes=[catalogue.routes[r].name for r in s.routes],
            gaps=[Bilingual(zh=catalogue.skills[g].zh, en=catalogue.skills[g].en) for g in s.gaps],
        )
        for s in suggestions
    ]


def coaching_plan(
    profile: Profile,
    resources: Catalogue,
    occupations: OccupationCatalogue,
    today: date,
    *,
    questionnaire: Questionnaire | None = None,
    result: Result | None = None,
    code: str | None = None,
    evidence: str = "",
    limit: int = 5,
    **plan_options: Any,
) -> Plan:
    """The plan for ``profile`` with self-assessment, targets and dated skill actions."""
    plan = make_plan(profile, resources, today, **plan_options)
    plan.coaching = True
    if result is not None and questionnaire is not None:
        plan.self_assessment = self_assessment(questionnaire, result)
        code = result.code
    suggestions = suggest(profile, occupations, code, evidence=evidence, limit=limit)
    plan.targets = targets_of(suggestions, occupations)
    plan.skill_actions = skill_actions(profile, suggestions, occupations, today)
    return plan
