"""``build_app(settings)``: the product wired once, the same for every entry point.

The web app (``ui.app.build_services``), the command line (``careercoach ask`` and ``chat``) and
the evaluations (``evals.workspace``) all get their knowledge base, their coach and the coach's
planning interview from here, so a question behaves the same in a browser, a terminal and an
eval run. The planner needs the resource catalogue (``knowledge/resources.yaml``); when it
cannot be loaded, policy questions are still answered, the planner is left out (the coach
explains briefly how planning works) and the catalogue's error is logged. The occupation
catalogue (``knowledge/occupations.yaml``) lets the planner suggest occupations; without it
the planner interviews as before. The store is opened
only by the entry points that keep transcripts (``open_store``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.errors import CareerCoachError
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.chat.coach import Coach
    from bot.chat.models import VerifiedSource
    from bot.knowledge.base import KnowledgeBase
    from bot.store import Store

log = logging.getLogger(__name__)


def load_catalogue_or_none() -> Any | None:
    """The shipped resource catalogue, or None (logged) when it cannot be used."""
    from bot.planning.catalogue import load_catalogue

    try:
        return load_catalogue()
    except CareerCoachError as error:
        log.warning("career planning is off: %s", error.message)
        return None


def make_planner(settings: Settings, retriever: Any) -> Any | None:
    """The chat planning interview over the catalogue, or None without a usable catalogue."""
    from bot.chat.llm import make_chat_model
    from bot.planning.flow import PlanningFlow

    catalogue = load_catalogue_or_none()
    if catalogue is None:
        return None
    return PlanningFlow(
        catalogue,
        retriever=retriever,
        llm=make_chat_model(settings),
        occupations=load_occupations_or_none(),
    )


def load_occupations_or_none() -> Any | None:
    """The occupation catalogue for "我适合做什么" answers, or None (logged; the flow then
    interviews instead of suggesting occupations)."""
    from bot.coaching.occupations import load_occupations

    try:
        return load_occupations()
    except CareerCoachError as error:
        log.warning("occupation suggestions are off: %s", error.message)
        return None


@dataclass
class App:
    """What every entry point talks to."""

    settings: Settings
    kb: KnowledgeBase
    coach: Coach
    planner: Any | None

    def open_store(self) -> Store:
        from bot.notify import make_notifier
        from bot.store import Store

        return Store(self.settings, on_flag=make_notifier(self.settings))


def build_app(
    settings: Settings, kb: KnowledgeBase | None = None, verified: VerifiedSource | None = None
) -> App:
    """The knowledge base (``kb`` when the caller has one already), the coach and its planner;
    ``verified`` serves counselors' verified answers first (the web app passes its matcher)."""
    from bot.chat.coach import build_coach
    from bot.knowledge.base import KnowledgeBase

    kb = kb if kb is not None else KnowledgeBase(settings)
    planner = make_planner(settings, kb)
    coach = build_coach(settings, retriever=kb, planner=planner, verified=verified)
    return App(settings=settings, kb=kb, coach=coach, planner=planner)
