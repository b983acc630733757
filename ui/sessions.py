"""The graduate's side of the store, as the pages and the API use it, tolerant of a sick database.

:func:`graduate_session` turns the request's checked cookie id (``ui/auth.RoleGuard``) into a
store session; :func:`store_exchange` stores an answered question. When the database refuses
the write (disk full, locked past the timeout) both log a warning and carry on: the graduate
still gets the answer, only the transcript of that turn is lost (and it cannot be rated).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.chat.models import Answer
from bot.errors import StorageError
from bot.store.store import new_session_id
from ui.auth import graduate_session_id
from ui.services import TranscriptStore

log = logging.getLogger(__name__)


def client_address(request: Any) -> str:
    """The client's address as the server sees it (the proxy's view only if trusted)."""
    client = getattr(request, "client", None) if request is not None else None
    host = getattr(client, "host", None)
    return str(host) if host else "-"


def graduate_session(store: TranscriptStore, request: Any) -> str:
    """The browser's session id, created in the store when new; a fresh id without a cookie."""
    issued = graduate_session_id(request)
    try:
        return store.ensure_session(issued, issued=issued is not None)
    except StorageError as error:
        log.warning("graduate session not stored (%s); answering without history", error.message)
        return issued or new_session_id()


def store_exchange(
    store: TranscriptStore,
    session_id: str,
    question: str,
    answer: Answer,
    latency_ms: int,
    conversation_id: int | None = None,
) -> int | None:
    """The stored turn's id, or None when the database refused the write (logged)."""
    try:
        return store.add_exchange(session_id, question, answer, latency_ms, conversation_id)
    except StorageError as error:
        log.warning("transcript turn lost, the graduate was answered anyway: %s", error.message)
        return None
