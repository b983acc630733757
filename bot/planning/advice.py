"""Personal advice written by the chat model, grounded on the plan's own numbered items.

The model sees only the plan's milestones, resources, checklist and skills, each with the
``[n]`` of its source, and is asked to keep those markers. Advice that cites a number the plan
does not have, promises money or a place, or never comes (endpoint failure) is dropped: the
structured plan stands on its own. Checking the advice sentence by sentence against passages is
left to the answering engine's checks; here only markers and promises are checked.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.chat.prompts import PromptLibrary

if TYPE_CHECKING:
    from bot.planning.plan import Plan

log = logging.getLogger(__name__)

# Advice must never promise money or a place; such advice is dropped, not edited.
PROMISE = re.compile(
    r"一定能|肯定能|保证(?:能|你)|包过|guarantee|you will (?:get|receive|be paid)", re.IGNORECASE
)


def plan_items(plan: Plan) -> list[str]:
    """The plan as numbered-source lines, the only material the model may use."""
    lang = plan.lang
    numbers = {c: n for n, c in enumerate(plan.clauses(), start=1)}
    lines = []
    for m in plan.milestones[:24]:
        marker = f" [{numbers[m.clause]}]" if m.clause else ""
        typical = " (typical timing)" if m.typical or m.source == "typical" else ""
        lines.append(f"- {m.month}: {m.label.get(lang)}{typical}{marker}")
    for result in plan.resources:
        r = result.resource
        lines.append(
            f"- {r.name.get(lang)} — {result.outcome}: {r.summary.get(lang)} "
            f"[{numbers[r.summary.clause]}]; {result.note(lang)} "
            f"[{numbers[r.channel.clause]}]"
        )
    lines += [f"- {i.text.get(lang)} [{numbers[i.clause]}]" for i in plan.checklist]
    lines += [
        f"- {s.label.get(lang)}: {s.skill.get(lang)} [{numbers[s.skill.clause]}]"
        for s in plan.skills
    ]
    return lines


def write_advice(plan: Plan, llm: Any, *, prompts_dir: Path | None = None) -> str | None:
    """Advice text from the model, or None when it fails or cites what the plan lacks."""
    profile = plan.profile.model_dump_json(exclude_none=True)
    prompt = PromptLibrary(prompts_dir).render(
        "plan_advice", plan.lang, profile=profile, items="\n".join(plan_items(plan))
    )
    try:
        reply = llm.invoke(prompt)
    except Exception as error:  # any endpoint failure: the offline plan stands
        log.warning("the chat model could not write plan advice: %s", error)
        return None
    text = str(getattr(reply, "content", reply)).strip()
    allowed = set(range(1, len(plan.clauses()) + 1))
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    if PROMISE.search(text):
        log.warning("plan advice dropped: it promises an outcome")
        return None
    if not text or not cited or not cited <= allowed:
        log.warning(
            "plan advice dropped: it cites %s, the plan has 1..%s", sorted(cited), len(allowed)
        )
        return None
    return text
