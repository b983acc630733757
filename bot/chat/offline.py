"""Offline answers: the extract, checked, framed with a lead-in, notes, gloss and channels.

Turns an :class:`~bot.chat.extractive.Extract` into an :class:`Answer`. A supported extract is
introduced by the documents' titles ("根据知识库中的《…》："), followed by freshness notes, a
gloss of the key term for English questions, and the official channels when the question asks
for specifics. An unsupported one becomes an abstention that still shows what is known nearby.
All wording comes from prompt files.
"""

from __future__ import annotations

import re
from datetime import date

from bot.chat.checks import check_answer
from bot.chat.extractive import ExtractiveAnswerer
from bot.chat.glossary import Glossary
from bot.chat.language import has_cjk
from bot.chat.models import Answer
from bot.chat.prompts import PromptLibrary
from bot.chat.sources import freshness_notes
from bot.knowledge.models import Hit
from bot.privacy import redact

# Questions about amounts, dates, procedures or eligibility get the official-channel pointer.
_SPECIFICS = re.compile(
    r"多少|标准|金额|额度|几|截止|时间|何时|什么时候|怎么|如何|流程|办理|申请|报名|条件|材料|谁|资格|"
    r"how|when|amount|deadline|apply|eligib|qualif|documents|who",
    re.IGNORECASE,
)


class OfflineComposer:
    """Builds offline answers; see the module docstring."""

    def __init__(
        self, extractive: ExtractiveAnswerer, prompts: PromptLibrary, glossary: Glossary
    ) -> None:
        self.extractive = extractive
        self.prompts = prompts
        self.glossary = glossary

    def compose(
        self,
        query: str,
        hits: list[Hit],
        lang: str,
        today: date,
        warnings: list[str],
        asked: str | None = None,
    ) -> Answer:
        """The offline answer to ``query``; ``asked`` is the question as the user put it,
        echoed (without personal data) when abstaining."""
        extract = self.extractive.extract(query, hits, lang)
        channels = self.prompts.render("channels", lang)
        checked = check_answer(extract.text, hits, glossary=self.glossary) if extract.text else None
        extra: dict[str, object] = {"evidence": extract.evidence, "missing": extract.missing}
        if (
            checked is None
            or not checked.citations
            or not extract.supported
            or extract.evidence < self.extractive.min_evidence
        ):
            if checked is not None and checked.citations:
                nearby = self.prompts.render("nearby", lang, extract=checked.text)
            else:
                nearby = self.prompts.render("nearby_none", lang)
            question = redact(asked or query)
            question = question if len(question) <= 60 else question[:60] + "…"
            text = self.prompts.render(
                "abstain", lang, question=question, nearby=nearby, channels=channels
            )
            return Answer(
                answer=text,
                citations=checked.citations if checked else [],
                abstained=True,
                mode="offline",
                warnings=warnings,
                intent="policy",
                lang=lang,  # type: ignore[arg-type]
                extra=extra,
            )
        titles = _titles(checked.hits, lang)
        # An English question quoting English text needs no "the source is in Chinese".
        lead = "offline_lead_same_language" if lang == "en" and not has_cjk(checked.text) else ""
        parts = [self.prompts.render(lead or "offline_lead", lang, titles=titles), checked.text]
        notes = freshness_notes(checked.hits, today, lang, self.prompts)
        if notes:
            parts.extend(notes)
            warnings.append(self.prompts.render("warning_stale", lang))
        if lang == "en":
            for term in self._key_terms(query, checked.text):
                parts.append(self.prompts.render("gloss", lang, zh=term.zh, en=term.en))
        if notes or _SPECIFICS.search(query):
            parts.append(channels)
        return Answer(
            answer="\n\n".join(parts),
            citations=checked.citations,
            abstained=False,
            mode="offline",
            warnings=warnings,
            intent="policy",
            lang=lang,  # type: ignore[arg-type]
            extra=extra,
        )

    def _key_terms(self, query: str, text: str) -> list:
        """Up to two glossary terms of the question that the quoted text contains."""
        terms = [t for t in self.glossary.in_chinese(query) if t.zh in text]
        terms += [t for t in self.glossary.chinese_for(query) if t.zh in text and t not in terms]
        return [t for t in terms if t.topic][:2] or terms[:1]


def _titles(hits: list[Hit], lang: str) -> str:
    names = list(dict.fromkeys(h.title or h.meta.title or h.source for h in hits))
    if lang == "zh":
        return "、".join(f"《{name}》" for name in names)
    return ", ".join(f"“{name}”" for name in names)
