"""The planning conversation: gather a profile a question or two at a time, then give the plan.

:class:`PlanningFlow` keeps no state of its own: each call re-reads the conversation from the
message that started planning ("帮我做个职业规划", "help me plan my career"), extracts what the
graduate said in every turn since, and looks at which questions were already asked (the
questions are prompt files, so an asked question is found verbatim in an assistant turn). Each
question is asked once; an unanswered one is not repeated. When nothing is left to ask, or the
graduate asks for the plan, it answers with the plan (``extra["plan_markdown"]`` for download,
``extra["profile"]`` for the profile understood). Routing a message to this flow is the
answering engine's job; :meth:`PlanningFlow.in_progress` tells it a conversation is mid-way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bot.chat.models import Answer, Turn
from bot.chat.prompts import PromptLibrary
from bot.knowledge.protocols import Retriever
from bot.planning import vocabulary as vocab
from bot.planning.catalogue import Catalogue
from bot.planning.extract import profile_from_text, rules_profile
from bot.planning.plan import make_plan, render_markdown
from bot.planning.profile import Profile

log = logging.getLogger(__name__)

START = re.compile(
    r"职业规划|生涯规划|(?:做|帮我做)(?:个|一个|一份)?规划|规划一下|career plan|"
    r"plan (?:my|a) career|help me plan",
    re.IGNORECASE,
)
SHOW_NOW = re.compile(
    r"直接出规划|直接给我规划|直接看规划|show (?:me )?the plan|just the plan", re.IGNORECASE
)
NOTHING = re.compile(
    r"^\s*(?:没有|无|都没有|没|都不是|不是|none|no|nope|none of (?:these|them))"
    r"\s*[。.!！]?\s*$",
    re.IGNORECASE,
)
UNDECIDED = re.compile(
    r"没想好|不确定|不知道|都可以|还没决定|not sure|undecided|don'?t know", re.IGNORECASE
)

# (step, the profile fields it fills); asked in this order, one step per turn.
STEPS: list[tuple[str, tuple[str, ...]]] = [
    ("basics", ("education", "graduation_date")),
    ("major_region", ("major", "home_province")),
    ("paths", ("paths",)),
    ("circumstances", ("circumstances",)),
]


class PlanningFlow:
    """Implements :class:`bot.chat.models.Planner` over a catalogue."""

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        today: Callable[[], date] = date.today,
        retriever: Retriever | None = None,
        llm: Any = None,
        prompts: PromptLibrary | None = None,
        docs_dir: Path | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.today = today
        self.retriever = retriever
        self.llm = llm
        self.prompts = prompts or PromptLibrary()
        self.docs_dir = docs_dir

    def _question(self, step: str, lang: str) -> str:
        return self.prompts.render(f"plan_ask_{step}", lang)

    def _asked(self, turns: list[Turn], step: str) -> bool:
        questions = {self._question(step, lang) for lang in ("zh", "en")}
        return any(t.role == "assistant" and any(q in t.text for q in questions) for t in turns)

    def _step_asked_before(self, turns: list[Turn], index: int) -> str | None:
        """The step whose question is in the assistant turn just before ``turns[index]``."""
        if index == 0 or turns[index - 1].role != "assistant":
            return None
        for step, _ in STEPS:
            if self._asked([turns[index - 1]], step):
                return step
        return None

    def in_progress(self, history: list[Turn]) -> bool:
        """True when the last assistant turn asked one of this flow's questions or gave a plan.

        The answering engine routes each message on its own; it calls this to send the
        graduate's answer ("本科，2027年毕业") back here, not to policy answering. After a plan,
        the graduate was invited to add details ("也想考公务员"), which update the plan.
        """
        last = next((t for t in reversed(history) if t.role == "assistant"), None)
        if last is None:
            return False
        return any(self._asked([last], step) for step, _ in STEPS) or self._presented(last)

    def _presented(self, turn: Turn) -> bool:
        """True when ``turn`` is this flow's plan presentation."""
        sentinel = "\x00plan\x00"
        for lang in ("zh", "en"):
            lead = self.prompts.render("plan_ready", lang, plan=sentinel).split(sentinel)[0]
            if lead.strip() and turn.text.startswith(lead.strip()):
                return True
        return False

    def profile_of(self, turns: list[Turn], today: date) -> Profile:
        """The profile the user turns of a planning conversation give."""
        profile = Profile()
        for index, turn in enumerate(turns):
            if turn.role != "user":
                continue
            found = (
                profile_from_text(turn.text, today, self.llm)
                if self.llm
                else rules_profile(turn.text, today)
            )
            found = _in_context(found, turn.text, self._step_asked_before(turns, index))
            if profile.language is not None:
                found = found.model_copy(update={"language": None})
            profile = profile.merged(found)
        return profile

    def respond(self, message: str, history: list[Turn], lang: str) -> Answer:
        turns = [*history, Turn(role="user", text=message)]
        starts = [i for i, t in enumerate(turns) if t.role == "user" and START.search(t.text)]
        turns = turns[starts[-1] :] if starts else turns
        language = "en" if lang == "en" else "zh"
        today = self.today()
        profile = self.profile_of(turns, today).model_copy(update={"language": language})
        if not SHOW_NOW.search(message):
            for step, fields in STEPS:
                if step == "circumstances" and _foreign(profile):
                    continue
                missing = any(getattr(profile, f) is None for f in fields)
                if missing and not self._asked(turns, step):
                    return self._ask(step, turns, profile, language)
        return self._present(profile, today, language)

    def _ask(self, step: str, turns: list[Turn], profile: Profile, lang: str) -> Answer:
        text = self._question(step, lang)
        if not any(t.role == "assistant" for t in turns):
            text = f"{self.prompts.render('plan_intro', lang)}\n\n{text}"
        return Answer(
            answer=text,
            intent="planning",
            lang=lang,  # type: ignore[arg-type]
            extra={
                "planning_step": step,
                "profile": profile.model_dump(mode="json", exclude_none=True),
            },
        )

    def _present(self, profile: Profile, today: date, lang: str) -> Answer:
        plan = make_plan(
            profile,
            self.catalogue,
            today,
            self.retriever,
            self.llm,
            lang=lang,
            docs_dir=self.docs_dir,
            prompts_dir=self.prompts.directory,
        )
        markdown = render_markdown(plan)
        log.info("planning flow presented a plan with %s resources", len(plan.resources))
        return Answer(
            answer=self.prompts.render("plan_ready", lang, plan=markdown),
            citations=plan.citations(),
            intent="planning",
            lang=lang,  # type: ignore[arg-type]
            mode="llm" if plan.advice else "offline",
            extra={
                "plan_markdown": markdown,
                "profile": profile.model_dump(mode="json", exclude_none=True),
                "plan": plan.to_dict(),
            },
        )


def _foreign(profile: Profile) -> bool:
    return profile.nationality is not None and profile.nationality != vocab.CHINA


def _in_context(found: Profile, text: str, step: str | None) -> Profile:
    """Read a short answer in the light of the question it answers."""
    update: dict[str, Any] = {}
    if step == "circumstances" and found.circumstances is None and NOTHING.search(text):
        update["circumstances"] = []
    if step == "paths" and found.paths is None and UNDECIDED.search(text):
        update["paths"] = []
    year = re.search(r"(?<!\d)(20\d\d)(?!\d)", text)
    if step == "basics" and found.graduation_date is None and year:
        update["graduation_date"] = date(int(year[1]), 6, 30)
    if step == "major_region" and found.major is None:
        for part in re.split(r"[，,、;；。\s]+", text):
            part = re.sub(r"^(?:我|是|学|读)+|专业$", "", part)
            if (
                len(part) >= 2
                and vocab.to_province(part) is None
                and not re.search(r"人$|想|希望|工作|老家|家在|from|want|work", part, re.IGNORECASE)
            ):
                update["major"] = part
                break
    return found.model_copy(update=update) if update else found
