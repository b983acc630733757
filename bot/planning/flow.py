"""The planning conversation: gather a profile a question or two at a time, then give the plan.

:class:`PlanningFlow` keeps no state of its own: each call re-reads the conversation from the
message that started planning ("帮我做个职业规划", "help me plan my career"), extracts what the
graduate said in every turn since, and looks at which questions were already asked (the
questions are prompt files, so an asked question is found verbatim in an assistant turn). A
step's question is put together from one prompt per missing part, so what the graduate already
said is not asked again ("本科，会计专业" skips the major). Each step is asked once; an
unanswered one is not repeated. When nothing is left to ask, or the
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

from bot.chat.models import Answer, Citation, Turn
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
# "What suits me?" and "postgraduate exam, civil service or a job?": answered with content first.
CHOICE = re.compile(
    r"适合(?:做|干|从事|找)?(?:什么|啥|哪)|(?:考研|考公|考编|工作|就业|读研|出国)[^。？?]{0,8}还是|"
    r"选(?:哪条路|什么方向)|which (?:job|career|path)|what (?:job|career) (?:suits|fits)|"
    r"should i (?:do|take|choose|go for) .{0,40}\bor\b|what should i do after graduat",
    re.IGNORECASE,
)
# Routes of knowledge/occupations.yaml compared when a graduate weighs paths.
CHOICE_ROUTES = ("postgraduate", "civil_service", "soe", "campus", "grassroots")
UNDECIDED = re.compile(
    r"没想好|不确定|不知道|都可以|还没决定|not sure|undecided|don'?t know", re.IGNORECASE
)

WORK_NONE = re.compile(
    r"没(?:有)?(?:找到)?(?:工作|上班|就业)|待业|失业|^\s*还?(?:没有|无|没)\s*[。.!！]?\s*$|no job|"
    r"not working|unemployed|^\s*(?:no|none)\b",
    re.IGNORECASE,
)
WORK_FLEXIBLE = re.compile(
    r"灵活就业|自由职业|个体|零工|兼职|外卖|网约车|自媒体|接单|freelanc|gig|self-employed|"
    r"part-time|platform",
    re.IGNORECASE,
)
WORK_EMPLOYER = re.compile(
    r"上班|在职|入职|单位|公司|有工作|工作了|employer|employed|full-time|work (?:at|for)",
    re.IGNORECASE,
)

Part = tuple[str, tuple[str, ...]]  # (prompt name after "plan_ask_", profile fields it fills)

# Asked in this order, one step per turn; a step's question holds only its missing parts.
STEPS: list[tuple[str, tuple[Part, ...]]] = [
    ("basics", (("education", ("education",)), ("graduation", ("graduation_date",)))),
    (
        "major_region",
        (("major", ("major",)), ("home", ("home_province",)), ("target", ("target_regions",))),
    ),
    ("work", (("work", ("employed", "employment")),)),  # only once they have left school
    ("paths", (("paths", ("paths",)),)),
    ("circumstances", (("circumstances", ("circumstances",)),)),
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
        occupations: Any = None,
    ) -> None:
        self.catalogue = catalogue
        self.today = today
        self.retriever = retriever
        self.llm = llm
        self.prompts = prompts or PromptLibrary()
        self.docs_dir = docs_dir
        self.occupations = occupations  # bot.coaching.occupations.OccupationCatalogue, optional

    def _question(self, part: str, lang: str) -> str:
        return self.prompts.render(f"plan_ask_{part}", lang)

    def _part_asked(self, turns: list[Turn], part: str) -> bool:
        questions = {self._question(part, lang) for lang in ("zh", "en")}
        return any(t.role == "assistant" and any(q in t.text for q in questions) for t in turns)

    def _asked(self, turns: list[Turn], step: str) -> bool:
        parts = next(parts for name, parts in STEPS if name == step)
        return any(self._part_asked(turns, part) for part, _ in parts)

    def _parts_asked_before(self, turns: list[Turn], index: int) -> set[str]:
        """The parts whose questions are in the assistant turn just before ``turns[index]``."""
        if index == 0 or turns[index - 1].role != "assistant":
            return set()
        return {
            part
            for _, parts in STEPS
            for part, _ in parts
            if self._part_asked([turns[index - 1]], part)
        }

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
            found = _in_context(found, turn.text, self._parts_asked_before(turns, index))
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
        if self.occupations is not None and CHOICE.search(message) and not SHOW_NOW.search(message):
            return self._choices(profile, turns, today, language)
        if not SHOW_NOW.search(message):
            for step, _ in STEPS:
                missing = _missing_parts(step, profile, today)
                if missing and not self._asked(turns, step):
                    return self._ask(step, missing, turns, profile, language)
        return self._present(profile, today, language)

    def _ask(
        self, step: str, parts: list[str], turns: list[Turn], profile: Profile, lang: str
    ) -> Answer:
        text = ("" if lang == "zh" else " ").join(self._question(part, lang) for part in parts)
        if not any(t.role == "assistant" for t in turns):
            text = f"{self.prompts.render('plan_intro', lang)}\n\n{text}"
        return Answer(
            answer=text,
            intent="planning",
            lang=lang,  # type: ignore[arg-type]
            extra={
                "planning_step": step,
                "planning_parts": parts,
                "profile": profile.model_dump(mode="json", exclude_none=True),
            },
        )

    def _choices(self, profile: Profile, turns: list[Turn], today: date, lang: str) -> Answer:
        """Content for "我适合做什么 / 考研考公还是工作": the paths compared (each cited), the
        occupations the major leads to (never an interest code guessed from chat), then the
        next step: the questionnaire, and the first missing part of the interview."""
        from bot.coaching.matching import suggest
        from bot.planning.catalogue import Clause
        from bot.planning.clauses import DocumentShelf

        shelf = DocumentShelf(
            self.docs_dir or Path(__file__).resolve().parents[2] / "knowledge" / "docs"
        )
        clauses: list[Clause] = []

        def cite(clause: Clause) -> str:
            if clause not in clauses:
                clauses.append(clause)
            return f"[{clauses.index(clause) + 1}]"

        from bot.coaching.matching import CITIZEN_ROUTES, FOREIGN_ROUTES

        # a foreign national is shown the work permit instead of the routes closed to them
        routes = (
            [r for r in CHOICE_ROUTES if r not in CITIZEN_ROUTES] + sorted(FOREIGN_ROUTES)
            if _foreign(profile)
            else list(CHOICE_ROUTES)
        )
        lines = []
        for route_id in routes:
            route = self.occupations.routes[route_id]
            quote = route.clause.quote
            lines.append(
                f"- **{route.name.get(lang)}**：{quote} {cite(route.clause)}"
                if lang == "zh"
                else f"- **{route.name.get(lang)}**: {quote} {cite(route.clause)}"
            )
        choose = Clause(
            doc="pathways-after-graduation.md",
            section="怎么选",
            quote="想要的是学历、稳定还是成长速度？家庭经济状况能支撑多长的备考期？有没有一条保底的路？",
        )
        how = (
            f"怎么选：先问自己三个问题——{choose.quote} {cite(choose)}"
            if lang == "zh"
            else (
                f"How to choose: ask yourself three questions (in the guide's words: {choose.quote}"
                f") {cite(choose)}"
            )
        )
        occupations = ""
        if profile.major:
            found = suggest(profile, self.occupations, None, limit=5)
            if found:
                sep = "、" if lang == "zh" else ", "
                occupations = self.prompts.render(
                    "coach_choice_occupations",
                    lang,
                    major=profile.major,
                    names=sep.join(s.occupation.name.get(lang) for s in found),
                )
        text = self.prompts.render(
            "coach_choice",
            lang,
            options="\n".join(lines),
            occupations=occupations,
            how_to_choose=how,
        )
        text = re.sub(r"\n{3,}", "\n\n", text)
        for step, _ in STEPS:
            missing = _missing_parts(step, profile, today)
            if missing:
                joined = ("" if lang == "zh" else " ").join(
                    self._question(p, lang) for p in missing
                )
                text = f"{text}\n\n{joined}"
                break
        citations = [
            Citation(
                n=n,
                title=shelf.title(c.doc),
                section=c.section,
                text=c.quote,
                source=f"knowledge/docs/{c.doc}",
                doc_id=c.doc,
            )
            for n, c in enumerate(clauses, start=1)
        ]
        return Answer(
            answer=text,
            citations=citations,
            intent="planning",
            lang=lang,  # type: ignore[arg-type]
            extra={
                "planning_step": "choices",
                "profile": profile.model_dump(mode="json", exclude_none=True),
                "next_step": "assessment",
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


def _missing_parts(step: str, profile: Profile, today: date) -> list[str]:
    """The parts of ``step`` whose fields are all still unknown, and that suit the graduate."""
    if step == "circumstances" and _foreign(profile):
        return []  # Chinese registrations: a foreign national has none (fields.py)
    grad = profile.graduation_date
    if step == "work" and (grad is None or grad > today):
        return []  # at school: whether they work does not decide anything yet
    parts = next(parts for name, parts in STEPS if name == step)
    return [
        part
        for part, fields in parts
        if all(getattr(profile, f) is None for f in fields)
        and not (part == "home" and _foreign(profile))
    ]


def _in_context(found: Profile, text: str, parts: set[str]) -> Profile:
    """Read a short answer in the light of the question it answers."""
    update: dict[str, Any] = {}
    if "circumstances" in parts and found.circumstances is None and NOTHING.search(text):
        update["circumstances"] = []
    if "paths" in parts and found.paths is None and UNDECIDED.search(text):
        update["paths"] = []
    year = re.search(r"(?<!\d)(20\d\d)(?!\d)", text)
    if "graduation" in parts and found.graduation_date is None and year:
        update["graduation_date"] = date(int(year[1]), 6, 30)
    if "work" in parts and found.employment is None:
        wish = re.search(r"想|希望|打算|want|would like|plan", text, re.IGNORECASE)
        if WORK_FLEXIBLE.search(text) and not wish:
            update |= {"employment": "flexible", "employed": True}
        elif WORK_NONE.search(text):
            update |= {"employment": "none", "employed": False}
        elif WORK_EMPLOYER.search(text):
            update |= {"employment": "employer", "employed": True}
        if update and found.paths and not wish:
            update["paths"] = None  # "灵活就业" answers how they work, not what they want
    if "major" in parts and found.major is None:
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
