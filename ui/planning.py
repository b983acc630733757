"""The planning part only the web app has: the profile-form plan maker.

It wraps ``bot.planning`` over the catalogue ``knowledge/resources.yaml`` (the chat planner is
wired for every entry point by :func:`bot.app.build_app`). When the catalogue cannot be loaded
the form says planning is unavailable, with the catalogue's error in the log. The form's fields
become a :class:`bot.planning.profile.Profile` through ``profile_from_mapping`` (so a bad value
is reported by field name); free text in the "anything else" box is read by
``profile_from_text`` and the form's fields win over it.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from bot.errors import CareerCoachError
from bot.knowledge.protocols import Retriever
from bot.settings import Settings
from ui.services import PlanMaker

log = logging.getLogger(__name__)


def _catalogue() -> Any | None:
    from bot.planning.catalogue import load_catalogue

    try:
        return load_catalogue()
    except CareerCoachError as error:
        log.warning("career planning is off: %s", error.message)
        return None


def form_profile(fields: dict[str, Any], lang: str, today: date) -> Any:
    """A profile from the form: structured fields over what the free text says."""
    from bot.planning.extract import profile_from_text
    from bot.planning.profile import profile_from_mapping

    data: dict[str, Any] = {"language": lang}
    for name in ("education", "major", "home_province"):
        if fields.get(name):
            data[name] = fields[name]
    if fields.get("graduation_year"):
        data["graduation_date"] = str(fields["graduation_year"])
    if fields.get("target_province"):
        data["target_regions"] = [fields["target_province"]]
    if fields.get("paths"):
        data["paths"] = fields["paths"]
    if fields.get("circumstances"):
        data["circumstances"] = fields["circumstances"]
    profile = profile_from_mapping(data, source="form")
    describe = str(fields.get("describe") or "").strip()
    if describe:
        profile = profile_from_text(describe, today).merged(profile)
    return profile


def make_plan_maker(settings: Settings, retriever: Retriever | None) -> PlanMaker | None:
    """A function from the profile form to (plan Markdown, profile understood)."""
    from bot.chat.llm import make_chat_model
    from bot.planning.plan import make_plan, render_markdown

    catalogue = _catalogue()
    if catalogue is None:
        return None
    llm = make_chat_model(settings)

    def plan(fields: dict[str, Any], lang: str) -> tuple[str, dict[str, Any]]:
        today = settings.today()
        profile = form_profile(fields, lang, today)
        result = make_plan(profile, catalogue, today, retriever=retriever, llm=llm, lang=lang)
        return render_markdown(result), profile.model_dump(mode="json", exclude_none=True)

    return plan
