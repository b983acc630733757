"""A plan at a glance: one line on what may apply and the next three things to do.

Read from the plan's JSON view (``Plan.to_dict``, which the chat answer carries in
``extra["plan"]``), so a stored answer can be summarised again after a reload. The next actions
are the plan's milestones from this month on, earliest first, then its checklist. Layout only.
"""

from __future__ import annotations

from typing import Any

_TEXT = {
    "zh": {
        "lead": "这份规划从 {start} 到 {end}，列出了 {likely} 项可能适用的政策或服务"
        "（另有 {check} 项需要确认条件）。",
        "next": "接下来先做这三件事：",
        "typical": "（往年时间，以当年公告为准）",
    },
    "en": {
        "lead": "This plan runs from {start} to {end} and lists {likely} programmes or services "
        "that may apply to you ({check} more need a condition confirmed).",
        "next": "The next three things to do:",
        "typical": " (typical timing; check this year's notice)",
    },
}


def next_actions(plan: dict[str, Any], count: int = 3) -> list[dict[str, Any]]:
    """Up to ``count`` actions: ``{"when": "YYYY-MM" or "", "text", "cite"}``."""
    lang = plan.get("lang", "zh")
    month = str(plan.get("today", ""))[:7]
    actions: list[dict[str, Any]] = []
    milestones = sorted(
        (m for m in plan.get("milestones", []) if str(m.get("until") or m.get("month")) >= month),
        key=lambda m: str(m.get("month")),
    )
    for m in milestones:
        text = str(m.get("label", ""))
        if m.get("source") == "typical":
            text += _TEXT.get(lang, _TEXT["zh"])["typical"]
        actions.append(
            {"when": max(str(m.get("month")), month), "text": text, "cite": m.get("cite")}
        )
    for item in plan.get("checklist", []):
        actions.append({"when": "", "text": str(item.get("item", "")), "cite": item.get("cite")})
    seen: set[str] = set()
    out = []
    for action in actions:
        if action["text"] and action["text"] not in seen:
            seen.add(action["text"])
            out.append(action)
    return out[:count]


def summary(plan: dict[str, Any]) -> dict[str, Any]:
    """``{"lead": str, "next_title": str, "actions": [...]}`` in the plan's language."""
    lang = plan.get("lang", "zh")
    text = _TEXT.get(lang, _TEXT["zh"])
    outcomes = [r.get("outcome") for r in plan.get("resources", [])]
    lead = text["lead"].format(
        start=plan.get("start", ""),
        end=plan.get("end", ""),
        likely=sum(o in ("likely", "open") for o in outcomes),
        check=sum(o == "possible" for o in outcomes),
    )
    return {"lead": lead, "next_title": text["next"], "actions": next_actions(plan)}
