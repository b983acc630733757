"""Is a sentence about what the question asks? Topic checks and superlative values per sentence.

The question's topics are the glossary's topic terms it names in any form (三支一扶; 当兵 →
大学生征兵; 入编 → 编制). A candidate sentence is judged with the title and section of its passage:

* ``asked`` — it (or its passage's title or section) names an asked topic;
* ``other`` — it names none of them but names another programme (a 西部计划 condition for a
  三支一扶 question): it must not be quoted as if it answered;
* ``neutral`` — it names no programme at all (a general rule): it may answer, less surely.

Topics that overlap an asked one (见习补贴 for 就业见习) are never "other". For a superlative
question (最长, 上限; 最低) :func:`extreme_positions` finds the sentences stating the largest (or
smallest) limit of the most common kind (durations, money, shares). Lexical only: a sentence
about a programme that names it by a pronoun ("该计划") counts as neutral.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.chat.glossary import Glossary, Term
from bot.chat.question import limit_values


class TopicCheck:
    """The asked and the other topics of one question."""

    def __init__(self, glossary: Glossary, question: str, asked: list[Term] | None = None):
        self.glossary = glossary
        self.asked: list[Term] = glossary.topics_in(question) if asked is None else asked
        asked_forms = [f for t in self.asked for f in t.forms]
        self.others = [
            t
            for t in glossary.terms
            if t.topic
            and t not in self.asked
            and not any(a in f or f in a for f in t.forms for a in asked_forms)
        ]
        self._cache: dict[str, list[Term]] = {}

    def named(self, text: str) -> list[Term]:
        """Topic terms ``text`` names, a name inside a longer name of another term not counting
        (创业补贴 inside 求职创业补贴)."""
        if text not in self._cache:
            self._cache[text] = self.glossary.topics_in(text)
        return self._cache[text]

    def verdict(self, sentence: str, context: str) -> str:
        """``asked``, ``other`` or ``neutral`` (see the module docstring); ``asked`` when the
        question names no topic."""
        if not self.asked:
            return "asked"
        own = self.named(sentence)
        if any(t in self.asked for t in own):
            return "asked"
        # a list item naming another programme is about that one, whatever its section says
        # ("升学：考研、保研、专升本" holds an item on 专升本)
        if any(t in self.others for t in own):
            return "other"
        if any(t in self.asked for t in self.named(context)):
            return "asked"
        if any(t in self.others for t in self.named(context)):
            return "other"
        return "neutral"

    def uncovered(self, texts: Sequence[str]) -> list[Term]:
        """Asked topics that none of ``texts`` names."""
        return [t for t in self.asked if not any(t in self.named(text) for text in texts)]


def extreme_positions(sentences: Sequence[str], direction: str) -> tuple[set[int], set[int]]:
    """(indexes of sentences stating the extreme limit, indexes stating any limit).

    ``direction`` is ``"max"`` or ``"min"``; limits are compared within the kind most sentences
    state, so a 3-year term does not compete with a 200,000-yuan cap.
    """
    limits = {i: limit_values(s) for i, s in enumerate(sentences)}
    limits = {i: v for i, v in limits.items() if v}
    if not limits or direction not in ("max", "min"):
        return set(), set()
    kind = Counter(k for values in limits.values() for k, _ in values).most_common(1)[0][0]
    values = {i: [v for k, v in vs if k == kind] for i, vs in limits.items()}
    values = {i: vs for i, vs in values.items() if vs}
    pick = max if direction == "max" else min
    extreme = pick(pick(vs) for vs in values.values())
    return {i for i, vs in values.items() if extreme in vs}, set(limits)
