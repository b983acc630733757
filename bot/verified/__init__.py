"""Verified answers in service: match a new question to a counselor's answer, and withdraw an
answer whose documents changed, expired or were removed.

``VerifiedMatcher.match(question, lang)`` is what the coach asks before retrieval (in both
answer modes); it returns the verified answer as an ``Answer`` (marked as reviewed by a
counselor, with its date) or None. The answers themselves live in the store (``store.verified``).
"""

from bot.verified.matcher import MatchResult, VerifiedMatcher, load_threshold

__all__ = ["MatchResult", "VerifiedMatcher", "load_threshold"]
