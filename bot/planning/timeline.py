"""The plan's timeline: which months it covers and the dated windows laid over them.

:func:`horizon` runs from today to two years after leaving school (capped at five years, and
two years ahead when the graduation date is unknown). :func:`milestones` puts each calendar
event and programme window on it once, at its first month with its span, within the part of the
graduate's time the event is for (its phase); windows open every year count from the final year,
so the plan names the round the graduate is for instead of repeating it yearly. Which events and
resources go into a plan is decided by :mod:`bot.planning.plan`.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

from bot.planning.catalogue import Bilingual, Clause, Event
from bot.planning.profile import Profile

MAX_MONTHS = 60  # a first-year student's plan stops here; said in the plan
AFTER_LEAVING = 24  # months after leaving school the plan covers


class Milestone(BaseModel):
    month: str  # YYYY-MM
    label: Bilingual
    source: Literal["clause", "typical", "profile"]
    clause: Clause | None = None
    typical: bool = False  # the usual timing only: check this year's notice
    ref: str = ""  # event or resource id
    until: str | None = None  # YYYY-MM, the last month of a window that spans several


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_label(index: int) -> str:
    return f"{index // 12}-{index % 12 + 1:02d}"


def horizon(profile: Profile, today: date, notes: list[Bilingual]) -> tuple[int, int]:
    start = month_index(today)
    grad = profile.graduation_date
    if grad is None:
        notes.append(
            Bilingual(
                zh="不知道你的毕业时间，时间线先按未来两年排。",
                en="Your graduation date is unknown, so the timeline covers the next two years.",
            )
        )
        return start, start + AFTER_LEAVING
    end = max(month_index(grad) + AFTER_LEAVING, start + 12)
    if end - start > MAX_MONTHS:
        notes.append(
            Bilingual(
                zh=f"时间线只排到未来 {MAX_MONTHS} 个月，之后的安排临近时再做。",
                en=f"The timeline stops {MAX_MONTHS} months from now; plan the rest "
                "closer to the time.",
            )
        )
        end = start + MAX_MONTHS
    return start, end


def _in_phase(event: Event, index: int, grad: int | None) -> bool:
    """Whether month ``index`` falls in the part of the graduate's time the event is for.

    Windows open every year (phase ``any``) count from the start of the final year: earlier
    rounds are not ones the graduate applies to (and without a graduation date, from today).
    """
    if grad is None:
        return True
    match event.phase:
        case "before":
            return index < grad
        case "final_year":
            return grad - 12 <= index < grad
        case "pre_final_year":
            return grad - 24 <= index < grad - 12
        case "after":
            return index >= grad
        case _:
            return index >= grad - 12


def _first_run(event: Event, grad: int | None, start: int, end: int) -> tuple[int, int] | None:
    """First and last month of the event's first window in the horizon, or None.

    A window shows once, at its first month with its span; yearly repeats are left out (the
    plan names the round the graduate is for, and the label says it comes every year).
    """
    months = [
        i for i in range(start, end + 1) if i % 12 + 1 in event.months and _in_phase(event, i, grad)
    ]
    if not months:
        return None
    last = months[0]
    for index in months[1:]:
        if index != last + 1:
            break
        last = index
    return months[0], last


def milestones(
    events: list[tuple[Event, str]], profile: Profile, start: int, end: int
) -> list[Milestone]:
    grad = month_index(profile.graduation_date) if profile.graduation_date else None
    found: list[tuple[int, int, Milestone]] = []
    if grad is not None and start <= grad <= end:
        found.append(
            (
                grad,
                -1,
                Milestone(
                    month=month_label(grad),
                    source="profile",
                    ref="graduation",
                    label=Bilingual(zh="毕业离校", en="You leave school"),
                ),
            )
        )
    shown: set[tuple[str, int]] = set()
    for order, (event, ref) in enumerate(events):
        run = _first_run(event, grad, start, end)
        if run is None or (event.id, run[0]) in shown:
            continue
        shown.add((event.id, run[0]))
        first, last = run
        milestone = Milestone(
            month=month_label(first),
            until=month_label(last) if last > first else None,
            label=event.label,
            clause=event.clause,
            ref=ref,
            source="clause" if event.clause else "typical",
            typical=event.typical,
        )
        found.append((first, order, milestone))
    return [milestone for _, _, milestone in sorted(found, key=lambda item: item[:2])]
