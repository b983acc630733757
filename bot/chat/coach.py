"""The coach: one entry point that routes a message and returns a grounded, cited answer.

``Coach`` takes its parts through the constructor (retriever, prompts, glossary, crisis
resources, optional LLM answerer and planner); ``build_coach(settings)`` wires the real ones.
A policy question is condensed into a standalone query, retrieved, answered by the LLM (streamed)
or by the extractive answerer, then checked (citations and numbers) and framed with freshness
notes and the official channels. When the LLM fails the same question gets an offline answer
with a warning. Other intents get a fixed reply from the prompt files. Every message, whatever its
route (a planning interview, a follow-up), first goes through the distress detector
(``distress.DistressDetector``): a likely crisis gets the caring reply instead of an answer, a
possible one gets the normal answer with the crisis lines appended; both flag the answer. What it
leaves out: how answers are rendered (``sources.format_sources``, the CLI and the web app).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.chat.analysis import QuestionAnalysis, TermStats, analyze
from bot.chat.checks import check_answer
from bot.chat.condense import RuleCondenser
from bot.chat.crisis import CrisisResources, load_crisis
from bot.chat.decision import DecisionModel
from bot.chat.distress import Assessment, DistressDetector, load_bank
from bot.chat.extractive import Extract, ExtractiveAnswerer
from bot.chat.glossary import Glossary
from bot.chat.language import detect_language
from bot.chat.llm import LLMAnswerer, make_chat_model
from bot.chat.material import llm_material
from bot.chat.models import Answer, Planner, StreamEvent, Turn, VerifiedSource
from bot.chat.numbers import numbers_in
from bot.chat.offline import OfflineComposer
from bot.chat.prompts import PromptLibrary
from bot.chat.retrieve import retrieve
from bot.chat.router import route
from bot.chat.safety import flag_unverified, quarantine
from bot.chat.selection import PieceModel, Similarity
from bot.chat.sources import freshness_notes, prefer_fresh
from bot.errors import ConfigError, LLMError
from bot.knowledge.models import Hit
from bot.knowledge.protocols import Retriever
from bot.settings import Settings

logger = logging.getLogger(__name__)


class Coach:
    """Answers graduates' messages; see the module docstring."""

    def __init__(
        self,
        retriever: Retriever,
        prompts: PromptLibrary,
        glossary: Glossary,
        crisis: CrisisResources,
        *,
        llm: LLMAnswerer | None = None,
        planner: Planner | None = None,
        decision: DecisionModel | None = None,
        pieces: PieceModel | None = None,
        default_lang: str = "zh",
        k: int = 6,
        today: Callable[[], date] = date.today,
        expand: Callable[[str], list[str]] | None = None,
        distress: DistressDetector | None = None,
        verified: VerifiedSource | None = None,
    ) -> None:
        self.retriever = retriever
        self.prompts = prompts
        self.glossary = glossary
        self.crisis = crisis
        self.llm = llm
        self.planner = planner
        self.distress = distress or DistressDetector(load_bank())  # rules only without a model
        self.verified = verified  # counselors' verified answers (bot/verified), both modes
        self.default_lang = default_lang
        self.k = k
        self.today = today
        self.expand = expand
        self.condenser = RuleCondenser(glossary)
        self.extractive = ExtractiveAnswerer(
            glossary, decision or DecisionModel.load(), pieces, _similarity(retriever)
        )
        self.offline = OfflineComposer(prompts, glossary)
        # the knowledge base says how often a word occurs; a fake retriever may not
        stats = getattr(retriever, "term_stats", None)
        self.stats: TermStats | None = stats if callable(stats) else None

    # --- public API ----------------------------------------------------------------------
    def answer(
        self, message: str, history: list[Turn] | None = None, lang: str | None = None
    ) -> Answer:
        """The whole answer at once (the stream, consumed)."""
        final: Answer | None = None
        for event in self.stream(message, history or [], lang):
            if event.answer is not None:
                final = event.answer
        assert final is not None
        return final

    def stream(
        self, message: str, history: list[Turn] | None = None, lang: str | None = None
    ) -> Iterator[StreamEvent]:
        """Text deltas, then a last event whose ``answer`` is authoritative.

        In LLM mode the deltas are the model's tokens before the check; when the check changes
        the text (or the endpoint fails mid-way) the final answer's text replaces them.
        """
        history = history or []
        language = lang if lang in ("zh", "en") else detect_language(message, self.default_lang)  # type: ignore[arg-type]
        concern = self.distress.assess(message)
        intent = "distress" if concern.level == "likely" else self._intent(message, history)
        if intent != "policy":
            reply = self._fixed_reply(intent, message, history, language, concern)
            if intent != "distress":
                reply = self._with_crisis_lines(reply, concern, language)
            yield StreamEvent(delta=reply.answer)
            yield StreamEvent(answer=reply)
            return
        for event in self._policy(message, history, language):
            if event.answer is None or not concern.raised:
                yield event
                continue
            reply = self._with_crisis_lines(event.answer, concern, language)
            yield StreamEvent(delta=reply.answer[len(event.answer.answer) :])
            yield StreamEvent(answer=reply)

    def _intent(self, message: str, history: list[Turn]) -> str:
        """The route of a message, keeping a planning interview going.

        Each message is routed on its own, so a short answer to the planner's question
        ("本科，2027年毕业") would otherwise look like a policy question. Distress and requests for
        the prompt still win, and so does a new question the graduate asks mid-interview.
        """
        intent = route(message)
        if (
            self.planner is not None
            and intent not in ("distress", "meta", "planning")
            and not _is_question(message)
            and self.planner.in_progress(history)
        ):
            return "planning"
        return intent

    # --- intents other than policy -------------------------------------------------------
    def _fixed_reply(
        self, intent: str, message: str, history: list[Turn], lang: str, concern: Assessment
    ) -> Answer:
        if intent == "planning" and self.planner is not None:
            return self.planner.respond(message, history, lang)
        if intent == "distress":
            text = self.prompts.render("distress", lang, resources=self.crisis.lines(lang))
            return Answer(
                answer=text,
                intent="distress",
                flagged=True,
                lang=lang,  # type: ignore[arg-type]
                extra={"distress": concern.level, "distress_reason": concern.reason},
            )
        name = {
            "greeting": "greeting",
            "out_of_scope": "out_of_scope",
            "meta": "meta_refusal",
            "planning": "planning_help",
        }[intent]
        return Answer(answer=self.prompts.render(name, lang), intent=intent, lang=lang)  # type: ignore[arg-type]

    def _with_crisis_lines(self, reply: Answer, concern: Assessment, lang: str) -> Answer:
        """``reply`` with the crisis lines appended and a flag, when ``concern`` is raised."""
        if not concern.raised:
            return reply
        lines = self.prompts.render("distress_lines", lang, resources=self.crisis.lines(lang))
        extra = {**reply.extra, "distress": concern.level, "distress_reason": concern.reason}
        text = f"{reply.answer}\n\n{lines}" if reply.answer else lines
        return reply.model_copy(update={"answer": text, "flagged": True, "extra": extra})

    # --- policy questions ----------------------------------------------------------------
    def analyze(self, question: str, lang: str) -> QuestionAnalysis:
        """The analysis of a standalone question (see ``bot.chat.analysis``)."""
        return analyze(question, self.glossary, lang=lang, stats=self.stats, expand=self.expand)

    def explain(self, standalone: str, lang: str) -> tuple[Extract, dict[str, str]]:
        """What the offline answerer chose for a standalone question, part by part, and the
        documents set aside as suspicious (title -> why): everything the answer is built from,
        for both modes and for the evaluation tools."""
        analysis = self.analyze(standalone, lang)
        hits_by_part: list[list[Hit]] = []
        held: dict[str, str] = {}
        for part in analysis.parts:
            found = retrieve(self.retriever, analysis, part, self.glossary, self.k)
            screened = quarantine(prefer_fresh(found, self.today()))
            hits_by_part.append(screened.hits)
            held.update(screened.held)
        return self.extractive.extract(analysis, hits_by_part, self.retriever), held

    def _policy(self, message: str, history: list[Turn], lang: str) -> Iterator[StreamEvent]:
        warnings: list[str] = []
        standalone = self._condense(message, history, lang, warnings)
        served = self.verified.match(standalone, lang) if self.verified is not None else None
        if served is not None:
            served.standalone_query = standalone
            yield StreamEvent(delta=served.answer)
            yield StreamEvent(answer=served)
            return
        extract, held = self.explain(standalone, lang)
        if held:
            names = _titles_for(list(held), lang)
            warnings.append(self.prompts.render("warning_suspicious", lang, titles=names))
        material = llm_material(extract, self.prompts)
        if self.llm is not None and material.hits:
            deltas: list[str] = []
            try:
                for delta in self.llm.stream(
                    standalone, material.hits, history, lang, material.plan
                ):
                    deltas.append(delta)
                    yield StreamEvent(delta=delta)
                draft = material.enforce("".join(deltas), self.prompts, lang)
                answer = self._checked_llm_answer(draft, material.hits, lang, warnings)
                answer.extra["draft"] = "".join(deltas)
            except LLMError as error:
                logger.warning("LLM failed, answering offline: %s", error.message)
                reason = error.for_language(lang)
                warnings.append(self.prompts.render("warning_llm_fallback", lang, reason=reason))
                answer = self._offline(extract, warnings)
                yield StreamEvent(delta=("\n\n" if deltas else "") + answer.answer)
        else:
            answer = self._offline(extract, warnings)
            for line in answer.answer.splitlines(keepends=True):
                yield StreamEvent(delta=line)
        shown = {p.hit.chunk_id: p.hit for part in extract.parts for p in part.passages}
        hits = list(shown.values())
        if added := flag_unverified(answer, hits, self.prompts, lang):  # claims quoted: warn
            yield StreamEvent(delta=added)
        answer.standalone_query = standalone
        if held:
            answer.extra["set_aside"] = held
        yield StreamEvent(answer=answer)

    def _offline(self, extract: Extract, warnings: list[str]) -> Answer:
        return self.offline.compose(extract, self.today(), warnings)

    def _condense(self, message: str, history: list[Turn], lang: str, warnings: list[str]) -> str:
        if self.llm is not None and history:
            try:
                return self.llm.condense(message, history, lang)
            except LLMError as error:
                logger.warning("condense failed, using rules: %s", error.message)
        return self.condenser.condense(message, history)

    def _checked_llm_answer(self, draft: str, hits: list, lang: str, warnings: list[str]) -> Answer:
        channels = self.prompts.render("channels", lang)
        allowed = numbers_in(self.prompts.render("channels", "zh") + channels)
        result = check_answer(draft, hits, allowed_numbers=allowed, glossary=self.glossary)
        changes = len(result.repairs) + len(result.dropped)
        if changes:
            warnings.append(self.prompts.render("warning_repaired", lang, count=changes))
        parts = [result.text] if result.text else []
        notes = freshness_notes(result.hits, self.today(), lang, self.prompts)
        if notes:
            warnings.append(self.prompts.render("warning_stale", lang))
        abstained = not result.citations
        if abstained and channels not in result.text:
            parts.append(channels)
        return Answer(
            answer="\n\n".join([*parts, *notes]),
            citations=result.citations,
            abstained=abstained,
            mode="llm",
            warnings=warnings,
            intent="policy",
            lang=lang,  # type: ignore[arg-type]
            extra={"repairs": result.repairs, "dropped": result.dropped, "draft": draft},
        )


def _similarity(retriever: Retriever) -> Similarity | None:
    """Question-to-text cosine similarity with the retriever's embedding model, when it has one
    (the knowledge base does; the texts go through its embedding cache)."""
    model = getattr(retriever, "embeddings", None)
    if not callable(model):
        return None

    def similarity(question: str, texts: list[str]) -> list[float]:
        embeddings = model()
        q = np.asarray(embeddings.embed_query(question), dtype=np.float32)
        v = np.asarray(embeddings.embed_documents(texts), dtype=np.float32)
        norms = np.linalg.norm(v, axis=1) * (np.linalg.norm(q) or 1.0)
        return [float(x) for x in (v @ q) / np.where(norms == 0, 1.0, norms)]

    return similarity


def _titles_for(titles: list[str], lang: str) -> str:
    if lang == "zh":
        return "、".join(f"《{t}》" for t in titles)
    return ", ".join(f"“{t}”" for t in titles)


def build_coach(
    settings: Settings,
    retriever: Retriever | None = None,
    planner: Planner | None = None,
    distress: DistressDetector | None = None,
    verified: VerifiedSource | None = None,
) -> Coach:
    """A coach wired from ``settings``: the knowledge base, the prompts and the chat model.

    The distress detector's semantic check uses the knowledge base's own embedding model (no
    second model is loaded); a retriever without one gets the rules alone.
    """
    if retriever is None:
        try:
            from bot.knowledge.base import KnowledgeBase
        except ImportError as error:
            raise ConfigError(
                "the knowledge base (bot.knowledge.base) is not available",
                message_zh="知识库模块（bot.knowledge.base）不可用",
            ) from error
        retriever = KnowledgeBase(settings)
    from bot.knowledge.query import glossary_path, load_glossary

    prompts = PromptLibrary()
    model = make_chat_model(settings)
    # The retrieval glossary's English and colloquial expansions also score quoted sentences.
    expansions = load_glossary(glossary_path(settings)).expansions
    llm = LLMAnswerer(model, prompts, settings) if model is not None else None
    terms = glossary_path(settings)
    return Coach(
        retriever,
        prompts,
        Glossary.load(terms if settings.glossary_file else None),
        load_crisis(),
        llm=llm,
        planner=planner,
        decision=DecisionModel.load(settings.answer_decision_file),
        pieces=PieceModel.load(settings.answer_selection_file),
        default_lang=settings.answer_language_default,
        expand=expansions,
        distress=distress or build_distress(settings, retriever),
        verified=verified,
    )


def build_distress(
    settings: Settings, retriever: Retriever, bank: Path | None = None
) -> DistressDetector:
    """The detector for ``build_coach``: rules, plus the semantic check when the retriever has an
    embedding model (``KnowledgeBase.embeddings``) and ``settings.distress_semantic`` is on.
    ``bank`` replaces ``knowledge/crisis_bank.yaml`` (the evals try edited banks)."""
    embeddings = None
    if settings.distress_semantic:
        model = getattr(retriever, "embeddings", None)  # KnowledgeBase.embeddings() builds it once
        embeddings = model() if callable(model) and not isinstance(model, Embeddings) else model
    embedding_id = str(getattr(retriever, "embedding_id", ""))
    return DistressDetector(load_bank(bank), embeddings, embedding_id=embedding_id)


_ASKING = re.compile(
    r"[?？]\s*$|[吗呢]\s*$|怎么|如何|什么|哪些|哪里|多少|是否|能不能|可不可以|有没有"
    r"|\b(?:how|what|which|when|where|who|can i|do i|is there)\b",
    re.IGNORECASE,
)


def _is_question(message: str) -> bool:
    """A message that asks something rather than answers the planner's question."""
    return _ASKING.search(message.strip()) is not None
