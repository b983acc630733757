"""Turn a follow-up ("那研究生呢？", "需要什么材料？") into a standalone query, by rules.

Offline mode cannot ask a model to rewrite the question, so this carries the topic of the
conversation into an elliptical message: when the message is short, starts like a follow-up or
points back ("它", "这个", "what about"), and names no topic of its own, the most recent topic
entities of earlier user turns (glossary terms, else jieba keywords) are put in front of it.
The LLM mode uses the condense prompt instead and falls back to this on failure.
"""

from __future__ import annotations

import re

import jieba.analyse

from bot.chat.glossary import Glossary
from bot.chat.models import Turn

_FOLLOW_UP = re.compile(
    r"^(?:那|那么|那如果|还有|另外|以及|如果是|要是|and\b|what about|how about|and if|also\b)"
    r"|它|这个|这项|该政策|那个|上面|刚才|\bit\b|\bthis\b|\bthat\b|\bthey\b|\bthem\b",
    re.IGNORECASE,
)
_LEADING = re.compile(r"^(?:那么|那|还有|另外|and|also)\s*[,，]?\s*", re.IGNORECASE)
_SHORT_ZH, _SHORT_EN = 12, 7


class RuleCondenser:
    """Rule-based follow-up rewriting; see the module docstring."""

    def __init__(self, glossary: Glossary) -> None:
        self.glossary = glossary

    def topics(self, text: str) -> list[str]:
        """Topic entities of ``text``: glossary terms, else up to two jieba keywords."""
        found = [t.zh for t in self.glossary.in_chinese(text) if t.topic]
        found += [t.zh for t in self.glossary.chinese_for(text) if t.topic and t.zh not in found]
        if found:
            return found[:2]
        return [w for w in jieba.analyse.extract_tags(text, topK=2) if len(w) > 1]

    def is_elliptical(self, message: str) -> bool:
        text = message.strip()
        named = self.glossary.in_chinese(text) + self.glossary.chinese_for(text)
        if any(term.topic for term in named):
            return False
        short = (
            len(text) <= _SHORT_ZH
            if re.search(r"[\u4e00-\u9fff]", text)
            else len(text.split()) <= _SHORT_EN
        )
        return short or _FOLLOW_UP.search(text) is not None

    def condense(self, message: str, history: list[Turn]) -> str:
        """``message`` made standalone with the conversation's topic, or unchanged."""
        if not history or not self.is_elliptical(message):
            return message.strip()
        for turn in reversed(history):
            if turn.role != "user":
                continue
            topics = self.topics(turn.text)
            if topics:
                rest = _LEADING.sub("", message.strip())
                return f"{' '.join(topics)} {rest}".strip()
        return message.strip()
