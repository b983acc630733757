"""Turn a follow-up ("那研究生呢？", "需要什么材料？") into a standalone query, by rules.

Offline mode cannot ask a model to rewrite the question, so this carries the conversation's
topic into an elliptical message. The topic is followed through the whole conversation: every
user turn that names a programme (a topic term of the terms file, in any of its forms) or a
subject such as 试用期 sets it; turns that name none keep it, so the third and fourth
elliptical turns are still about what the first one asked. A message that names a topic of its
own starts a new one and is left as it is. An elliptical message that asks nothing of its own
type ("那研究生呢？") also takes the heading words of the type the last question asked
(谁可以申请 条件), so it is answered like that question. When no turn ever named a term, up to
two jieba keywords of the latest user turn stand in for the topic. The LLM mode uses the
condense prompt instead and falls back to this on failure.
"""

from __future__ import annotations

import re

import jieba.analyse

from bot.chat.glossary import Glossary
from bot.chat.models import Turn
from bot.chat.normalize import normalize_message
from bot.chat.question import OTHER, asked_fact, classify

_FOLLOW_UP = re.compile(
    r"^(?:那|那么|那如果|还有|另外|以及|如果是|要是|and\b|what about|how about|and if|also\b)"
    r"|它|这个|这项|该政策|那个|上面|刚才|\bit\b|\bthis\b|\bthat\b|\bthey\b|\bthem\b",
    re.IGNORECASE,
)
_LEADING = re.compile(r"^(?:那么|那|还有|另外|and|also)\s*[,，]?\s*", re.IGNORECASE)
_SHORT_ZH, _SHORT_EN = 14, 8


class RuleCondenser:
    """Rule-based follow-up rewriting; see the module docstring."""

    def __init__(self, glossary: Glossary) -> None:
        self.glossary = glossary

    def topics(self, text: str) -> list[str]:
        """The topic terms ``text`` names (official names), at most two."""
        text = normalize_message(text)
        found = [t.zh for t in self.glossary.topics_in(text)]
        found += [
            t.zh
            for t in self.glossary.chinese_for(text)
            if (t.topic or t.subject) and t.zh not in found
        ]
        found += [t.zh for t in self.glossary.subjects_in(text) if t.zh not in found]
        return found[:2]

    def is_elliptical(self, message: str) -> bool:
        """A message that names no topic and is short or points back ("那…", "它")."""
        text = normalize_message(message)
        if self.topics(text):
            return False
        short = (
            len(text) <= _SHORT_ZH
            if re.search(r"[\u4e00-\u9fff]", text)
            else len(text.split()) <= _SHORT_EN
        )
        return short or _FOLLOW_UP.search(text) is not None

    def condense(self, message: str, history: list[Turn]) -> str:
        """``message`` made standalone with the conversation's topic, or unchanged."""
        topic: list[str] = []
        asked = ""  # the last standalone question: what type of answer it wanted
        users = [t.text for t in history if t.role == "user"]
        for earlier in users:  # each earlier turn, made standalone in its own turn
            asked = self._standalone(earlier, topic, asked)
            topic = self.topics(asked) or topic
        if not topic and users:
            keywords = jieba.analyse.extract_tags(users[-1], topK=2)
            topic = [w for w in keywords if len(w) > 1]
        return self._standalone(message, topic, asked)

    def _standalone(self, message: str, topic: list[str], asked: str) -> str:
        text = message.strip()
        if not topic or not self.is_elliptical(text):
            return text
        rest = _LEADING.sub("", text)
        extra = ""
        if asked and classify(rest) is OTHER and not asked_fact(rest):
            extra = classify(asked).search_words
        return " ".join(p for p in [*topic, rest, extra] if p).strip()
