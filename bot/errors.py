"""The errors a user may see.

Every error that the CLI or the UI shows to a person derives from :class:`CareerCoachError` and
carries a message in Chinese and in English. Anything else that escapes is a bug and propagates.
"""

from __future__ import annotations


class CareerCoachError(Exception):
    """Base class of every error shown to a user.

    ``message`` is English; ``message_zh`` is the Chinese text shown to a Chinese-speaking user.
    """

    def __init__(self, message: str, *, message_zh: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh or message

    def for_language(self, lang: str) -> str:
        return self.message_zh if lang == "zh" else self.message


class ConfigError(CareerCoachError):
    """A setting or a configuration file is wrong; the message names it."""


class IngestError(CareerCoachError):
    """One source file cannot be read; ``reason`` is what the refresh report shows."""

    def __init__(
        self, path: str, reason: str, *, status: str = "failed", reason_zh: str | None = None
    ) -> None:
        super().__init__(
            f"{path}: {reason}", message_zh=f"{path}：{reason_zh}" if reason_zh else None
        )
        self.path = path
        self.reason = reason
        self.reason_zh = reason_zh or reason  # the reason in Chinese, when the raiser gave one
        self.status = status  # "failed" or "skipped"


class KnowledgeIndexError(CareerCoachError):
    """The index is missing, locked or damaged."""


class NotFoundError(CareerCoachError):
    """A named document, conversation or user does not exist."""


class LLMError(CareerCoachError):
    """The chat endpoint refused or failed; callers fall back to offline mode."""


class ValidationFailed(CareerCoachError):
    """A data file or input failed validation; the message names the entry and the field."""


class AuthError(CareerCoachError):
    """Login failed, the account lacks the role, or too many attempts were made."""


class LoginThrottled(AuthError):
    """Too many failed logins lately: the next attempt is accepted after ``retry_after_s``."""

    def __init__(self, message: str, *, message_zh: str, retry_after_s: int) -> None:
        super().__init__(message, message_zh=message_zh)
        self.retry_after_s = retry_after_s


class StorageError(CareerCoachError):
    """The database refused a write (disk full, locked past the timeout, gone away)."""
