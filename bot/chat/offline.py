"""Offline answers: the parts' blocks, checked, framed with a lead-in, notes, gloss and channels.

Turns an :class:`~bot.chat.extractive.Extract` into an :class:`Answer`. One answered part is
introduced by the documents' titles ("根据知识库中的《…》：") and quoted; several parts each get a
short heading (the graduate's own sub-question) and their block, and a part the knowledge base
does not answer says so under its heading while the rest of the answer stands. Freshness notes,
a gloss of the key term for English questions and the official channels follow. When no part is
answered the answer is an abstention that shows the nearest text, if any is close. All wording
comes from prompt files.
"""

from __future__ import annotations

import re
from datetime import date

from bot.chat.checks import check_answer
from bot.chat.extractive import Extract, PartAnswer, part_heading, render_block
from bot.chat.glossary import Glossary
from bot.chat.language import has_cjk
from bot.chat.models import Answer
from bot.chat.numbers import numbers_in
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
_NEARBY_MIN = 0.25  # an abstention shows the nearest text only when it is this likely to answer


class OfflineComposer:
    """Builds offline answers; see the module docstring."""

    def __init__(self, prompts: PromptLibrary, glossary: Glossary) -> None:
        self.prompts = prompts
        self.glossary = glossary

    def compose(self, extract: Extract, today: date, warnings: list[str]) -> Answer:
        """The offline answer for ``extract``."""
        analysis = extract.analysis
        lang = analysis.lang
        hits: list[Hit] = []
        sections: list[str] = []
        for answer in extract.parts:
            if answer.answered and answer.block is not None and answer.block.above:
                sections.append(self.prompts.render("part_above", lang))
            elif answer.answered:
                sections.append(self._block_text(answer, hits, lang))
            else:
                sections.append("")
        text = self._join(extract.parts, sections, lang)
        # the question's own numbers may be repeated (a part's heading: 一个月多少钱)
        asked = numbers_in(analysis.text)
        checked = (
            check_answer(text, hits, allowed_numbers=asked, glossary=self.glossary)
            if text.strip()
            else None
        )
        extra: dict[str, object] = {
            "evidence": extract.evidence,
            "parts": [
                {
                    "ask": a.part.text,
                    "type": a.part.kind.name,
                    "fact": a.part.fact,
                    "answered": a.answered,
                    "probability": a.decision.probability,
                    "features": {k: round(v, 3) for k, v in a.decision.features.items()},
                }
                for a in extract.parts
            ],
        }
        channels = self.prompts.render("channels", lang)
        if checked is None or not checked.citations:
            return self._abstain(extract, channels, warnings, extra)
        titles = _titles(checked.hits, lang)
        # An English question quoting English text needs no "the source is in Chinese".
        lead = "offline_lead_same_language" if lang == "en" and not has_cjk(checked.text) else ""
        parts = [self.prompts.render(lead or "offline_lead", lang, titles=titles), checked.text]
        notes = freshness_notes(checked.hits, today, lang, self.prompts)
        if notes:
            parts.extend(notes)
            warnings.append(self.prompts.render("warning_stale", lang))
        if lang == "en":
            for term in self._key_terms(analysis.text, checked.text):
                parts.append(self.prompts.render("gloss", lang, zh=term.zh, en=term.en))
        if notes or _SPECIFICS.search(analysis.text) or not all(a.answered for a in extract.parts):
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

    def _block_text(self, answer: PartAnswer, hits: list[Hit], lang: str) -> str:
        """The part's block with markers numbered in ``hits`` (extended as passages are cited)."""
        assert answer.block is not None
        cite: dict[int, int] = {}
        for index in answer.block.passages:
            hit = answer.passages[index].hit
            known = next(
                (
                    i
                    for i, h in enumerate(hits)
                    if h.chunk_id == hit.chunk_id and h.text == hit.text
                ),
                None,
            )
            if known is None:
                hits.append(hit)
                known = len(hits) - 1
            cite[index] = known + 1

        def more(count: int, n: int) -> str:
            return self.prompts.render("list_more", lang, count=count, n=n)

        return render_block(answer, cite, more)

    def _join(self, answers: list[PartAnswer], sections: list[str], lang: str) -> str:
        if len(answers) == 1:
            return sections[0]
        out = []
        for answer, text in zip(answers, sections, strict=True):
            heading = self.prompts.render("part_heading", lang, ask=part_heading(answer.part.text))
            body = text or self.prompts.render("part_missing", lang)
            out.append(f"{heading}\n{body}")
        return "\n\n".join(out) if any(sections) else ""

    def _abstain(
        self, extract: Extract, channels: str, warnings: list[str], extra: dict[str, object]
    ) -> Answer:
        lang = extract.analysis.lang
        best = max(extract.parts, key=lambda a: a.decision.probability, default=None)
        nearby_hits: list[Hit] = []
        nearby = self.prompts.render("nearby_none", lang)
        citations = []
        if best is not None and best.block is not None and best.decision.probability >= _NEARBY_MIN:
            text = self._block_text(best, nearby_hits, lang)
            checked = check_answer(text, nearby_hits, glossary=self.glossary)
            if checked.citations:
                same = lang == "en" and not has_cjk(checked.text)
                name = "nearby_same_language" if same else "nearby"
                nearby = self.prompts.render(name, lang, extract=checked.text)
                citations = checked.citations
        question = redact(extract.analysis.original)
        question = question if len(question) <= 60 else question[:60] + "…"
        text = self.prompts.render(
            "abstain", lang, question=question, nearby=nearby, channels=channels
        )
        return Answer(
            answer=text,
            citations=citations,
            abstained=True,
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
