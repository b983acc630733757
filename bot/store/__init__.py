"""The store: transcripts, feedback, annotations, flags and accounts on SQLite or PostgreSQL.

Public API (everything returns plain pydantic objects from :mod:`bot.store.models`)::

    from bot.store import Store, TranscriptFilter

    store = Store(settings)                  # or Store.from_url(url); migrates to head on open
    sid = store.ensure_session(None)         # new server-issued session id; a known id is kept,
                                             # an unknown one replaced (issued=True: signed cookie)
    turn_id = store.add_exchange(sid, question, answer, latency_ms)   # Answer from bot.chat
    store.conversation_for_session(sid)      # -> Conversation (the graduate's own, no reviews)
    store.new_conversation(sid)              # -> int: start a fresh conversation in the session
    store.record_feedback(turn_id, sid, +1 | -1, comment="")   # re-rating replaces
    store.list_conversations(TranscriptFilter(date_from=…, date_to=…, intent=…, abstained=…,
                             negative_feedback=…, flagged=…, text=…, limit=50, offset=0))
                                             # -> list[ConversationSummary], newest first
    store.get_conversation(conversation_id)  # -> Conversation with turns, citations, mode,
                                             #    latency, feedback, annotations, flag events
    store.annotate(turn_id, by_user, correct=…, citations_ok=…, tone_ok=…, note="")  # -> int
    store.flag(conversation_id, reason, by_user); store.unflag(conversation_id, by_user)
    store.export(TranscriptFilter(limit=None), fmt="jsonl" | "csv")   # -> str, a record per turn
    store.purge(timedelta(days=settings.retention_days))             # -> conversations deleted
    store.add_user(name, "counselor" | "maintainer", password)     # -> User
    store.list_users(); store.remove_user(name); store.set_password(name, password)
    store.authenticate(name, password, client="203.0.113.9")        # -> User, or AuthError
                                             #    (LoginThrottled: wait retry_after_s)
    store.login_failures(timedelta(days=7))  # -> list[LoginFailures] for the maintainer
    token = store.open_staff_session(name, client)   # server-side login, token for the cookie
    store.staff_session(token)               # -> StaffLogin | None; close_staff_session(token)
    store.shared_secret("cookies")           # -> bytes, one per database (created on first use)
    store.close()

Errors are :mod:`bot.errors` classes: ``NotFoundError`` (unknown session, turn, conversation,
user), ``ValidationFailed`` (bad rating, name, password, role, format), ``AuthError`` (wrong
password; ``LoginThrottled`` after failures) and ``StorageError`` (the database refused a write:
disk full, locked past the timeout), each with a Chinese and an English message.

What a graduate types is redacted by :func:`bot.privacy.redact` before it is written. Session
ids are stored only as SHA-256 digests. An ``Answer`` with ``flagged=True`` flags its
conversation (by user ``"system"``). Leaves out: the web login cookie (the web app's), and
deciding who may see what (callers check ``User.has_role``).
"""

from bot.store.models import (
    Annotation,
    Conversation,
    ConversationSummary,
    Feedback,
    FlagEvent,
    Role,
    StoredTurn,
    TranscriptFilter,
    User,
)
from bot.store.store import Store
from bot.store.throttle import LoginThrottle, Step

__all__ = [
    "Annotation",
    "Conversation",
    "ConversationSummary",
    "Feedback",
    "FlagEvent",
    "LoginThrottle",
    "Role",
    "Step",
    "Store",
    "StoredTurn",
    "TranscriptFilter",
    "User",
]
