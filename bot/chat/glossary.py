"""The answering engine's view of the terms file (``knowledge/terms.yaml``, ``bot.terms``).

It bridges English questions and a Chinese knowledge base: English cue words add the Chinese
term to the retrieval query, offline English answers gloss the key term, and the follow-up
condenser uses the Chinese terms as topic entities, and everyday wording (``colloquial``: 低保户,
当兵, 考公) names the official term in the offline answerer's scoring and retrieval query. It is
not a translator: phrases that are not listed are left as they are.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.chat.sentences import keep_whole
from bot.terms import Term, load_terms

__all__ = ["Glossary", "Term"]


class Glossary:
    """Terms in file order; matching is case-insensitive on whole cue phrases."""

    def __init__(self, terms: list[Term]) -> None:
        self.terms = terms
        keep_whole([form for term in terms for form in term.forms])

    @classmethod
    def load(cls, path: Path | None = None) -> Glossary:
        """The terms of the terms file (``knowledge/terms.yaml`` by default)."""
        return cls(list(load_terms(path).terms))

    def chinese_for(self, english: str) -> list[Term]:
        """Terms whose English cue phrase occurs in ``english``."""
        lowered = english.lower()
        found = []
        for term in self.terms:
            for cue in term.cues:
                if re.search(rf"(?<![a-z]){re.escape(cue.lower())}(?![a-z])", lowered):
                    found.append(term)
                    break
        return found

    def colloquial_in(self, text: str) -> list[Term]:
        """Terms one of whose everyday forms or misspellings occurs in ``text`` (低保户 →
        低保家庭, 三只一扶 → 三支一扶)."""
        return [
            t for t in self.terms if any(form in text for form in [*t.colloquial, *t.misspellings])
        ]

    def named_in(self, text: str) -> list[Term]:
        """Terms ``text`` names in any form, in file order. A match overlapped by a longer match
        of another term does not count: 创业补贴 inside 求职创业补贴 names only 一次性求职补贴, and
        读研 in 在读研究生 is the word 研究生, not the exam."""
        spans: list[tuple[int, int, Term]] = []
        for term in self.terms:
            for form in set(term.forms):
                start = text.find(form)
                while start >= 0:
                    spans.append((start, start + len(form), term))
                    start = text.find(form, start + 1)
        kept = {
            id(term)
            for s, e, term in spans
            if not any(
                other is not term and o_s < e and s < o_e and o_e - o_s > e - s
                for o_s, o_e, other in spans
            )
        }
        return [t for t in self.terms if id(t) in kept]

    def topics_in(self, text: str) -> list[Term]:
        """Topic terms ``text`` names in any form (三支一扶, 当兵 → 大学生征兵, 落户 → 户口)."""
        return [t for t in self.named_in(text) if t.topic]

    def subjects_in(self, text: str) -> list[Term]:
        """Subject terms ``text`` names (试用期, 简历): not programmes, but a conversation can
        be about them."""
        return [t for t in self.named_in(text) if t.subject]

    def in_chinese(self, text: str) -> list[Term]:
        """Terms whose Chinese form occurs in ``text``, longest first, without nested ones."""
        found = [term for term in self.terms if term.zh in text]
        found.sort(key=lambda term: -len(term.zh))
        kept: list[Term] = []
        for term in found:
            if not any(term.zh in longer.zh for longer in kept):
                kept.append(term)
        return kept
