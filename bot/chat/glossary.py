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

import jieba

from bot.chat.sentences import keep_whole
from bot.terms import Term, load_terms

__all__ = ["Glossary", "Term"]

_SHORT = 3  # forms this short must not run on into a neighbouring word
_COMMON_WORD = 100  # jieba dictionary frequency of a common word
_FUZZY_MIN = 4  # names this long are recognised with one slip
_CJK_NAME = re.compile(r"[\u4e00-\u9fff]+")


def _runs_on(text: str, start: int, end: int, forms: set[str]) -> bool:
    """The span's first or last character makes a common two-character word with the character
    outside it (工作签|订: 签订), a word that is no term's form."""
    pairs = [text[start - 1 : start + 1] if start > 0 else "", text[end - 1 : end + 1]]
    return any(
        len(pair) == 2 and pair not in forms and (jieba.get_FREQ(pair) or 0) >= _COMMON_WORD
        for pair in pairs
    )


def _one_slip(window: str, name: str) -> bool:
    """``window`` is ``name`` with one character replaced by a Chinese character, or with two
    neighbouring characters swapped."""
    diff = [i for i, (a, b) in enumerate(zip(window, name, strict=True)) if a != b]
    if len(diff) == 1:
        return _CJK_NAME.fullmatch(window[diff[0]]) is not None
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and window[diff[0]] == name[diff[1]]
        and window[diff[1]] == name[diff[0]]
    )


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
        """Terms ``text`` names (see :meth:`named_in`) but by none of their official names: by
        an everyday form or a misspelling (低保户 → 低保家庭, 三只一扶 → 三支一扶)."""
        return [t for t in self.named_in(text) if not any(name in text for name in t.names)]

    def named_in(self, text: str) -> list[Term]:
        """Terms ``text`` names in any form, in file order. A match overlapped by a longer match
        of another term does not count: 创业补贴 inside 求职创业补贴 names only 一次性求职补贴, and
        读研 in 在读研究生 is the word 研究生, not the exam."""
        spans: list[tuple[int, int, Term]] = []
        forms = {f for t in self.terms for f in t.forms}
        for term in self.terms:
            for form in set(term.forms):
                start = text.find(form)
                while start >= 0:
                    end = start + len(form)
                    # a short form matched across a word boundary is not named: 工作签 in
                    # 工作签订 is the verb 签订
                    if len(form) > _SHORT or not _runs_on(text, start, end, forms):
                        spans.append((start, end, term))
                    start = text.find(form, start + 1)
        exact = {(s, e) for s, e, _ in spans}
        for start, end, term in self._near_misses(text):
            if not any(s < end and start < e for s, e in exact):
                spans.append((start, end, term))
        kept = {
            id(term)
            for s, e, term in spans
            if not any(
                other is not term and o_s < e and s < o_e and o_e - o_s > e - s
                for o_s, o_e, other in spans
            )
        }
        return [t for t in self.terms if id(t) in kept]

    def _near_misses(self, text: str) -> list[tuple[int, int, Term]]:
        """Spans of ``text`` that name a programme with one character typed wrong (a homophone
        or a slip: 三只一扶 for 三支一扶) or two neighbouring characters swapped. Only names of
        four or more Chinese characters, keeping their first character, and never a span that is
        itself another term's form (创业补贴 is not a slip for 就业补贴)."""
        spans = []
        forms = {f for t in self.terms for f in t.forms}
        for term in self.terms:
            if not term.topic:
                continue
            for name in set(term.names):
                size = len(name)
                if size < _FUZZY_MIN or not _CJK_NAME.fullmatch(name):
                    continue
                for start in range(len(text) - size + 1):
                    window = text[start : start + size]
                    if window[0] == name[0] and window not in forms and _one_slip(window, name):
                        spans.append((start, start + size, term))
        return spans

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
