"""The small REST API beside the web pages: ``POST /api/chat``, ``POST /api/feedback``,
``GET /api/health``.

``/api/chat`` takes ``{"session_id": optional, "message": "...", "lang": optional "zh"|"en"}`` and
returns the fields of ``careercoach ask --json`` (the engine's ``Answer``) plus ``session_id``,
``turn_id`` and ``latency_ms``, so a client can continue the conversation (earlier turns of the
session are the history, which makes follow-up questions work) and rate the answer. It is
anonymous like the graduate chat. The server issues session ids: an id it does not know starts a
new session, and the answer carries the id to send next time. No streaming here: the browser
chat streams through Gradio.

At the edge: text is cleaned of NUL characters and lone surrogates, numbers are held to what the
database stores (a ``turn_id`` of 2^70 is a 422, not a 500), the message length, the answers at
once per session and client and the answer time are limited (``ui/limits.py``), and citations
name the file, never a server path (``ui/public.py``). When the transcript cannot be stored the
answer is still returned, with ``turn_id: null`` and ``stored: false``.
"""

from __future__ import annotations

import logging
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, Field

from bot.chat.models import StreamEvent, Turn
from bot.errors import CareerCoachError, NotFoundError, StorageError
from bot.settings import MESSAGE_CHARS_CEILING
from bot.store.clean import clean_text
from bot.store.store import new_session_id
from ui.limits import AnswerGate, AnswerRefused
from ui.public import public_answer
from ui.services import Services
from ui.sessions import client_address, store_exchange

log = logging.getLogger(__name__)

# The schema's bound is the largest message any setting allows; the setting in force
# (settings.max_message_chars, 2,000 unless raised) is checked by AnswerGate.check_length.
MAX_MESSAGE_CHARS = MESSAGE_CHARS_CEILING
MAX_TURN_ID = 2**31 - 1  # the turns.id column is a 32-bit integer on PostgreSQL

# Cleaned before pydantic checks the string (it refuses lone surrogates), and so stored as sent.
Clean = Annotated[str, BeforeValidator(lambda v: clean_text(v) if isinstance(v, str) else v)]


class ChatRequest(BaseModel):
    session_id: Clean | None = Field(default=None, max_length=128)
    message: Clean = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    lang: Literal["zh", "en"] | None = None


class FeedbackRequest(BaseModel):
    session_id: Clean = Field(min_length=1, max_length=128)
    turn_id: int = Field(ge=1, le=MAX_TURN_ID)
    rating: Literal[1, -1]
    comment: Clean = Field(default="", max_length=2000)


def _error(status: int, message: str, message_zh: str) -> JSONResponse:
    return JSONResponse({"error": message, "error_zh": message_zh, "detail": message}, status)


def session_history(services: Services, session_id: str) -> list[Turn]:
    """The earlier turns of a session, oldest first; empty for a new session."""
    try:
        conversation = services.store.conversation_for_session(session_id)
    except NotFoundError:
        return []
    return conversation.history() if conversation is not None else []


def build_api(services: Services, gate: AnswerGate | None = None) -> APIRouter:
    router = APIRouter(prefix="/api")
    gate = gate or AnswerGate(services.settings)

    @router.get("/health")
    def health() -> dict[str, Any]:
        status = services.kb.status()
        return {
            "status": "degraded" if getattr(status, "degraded", "") else "ok",
            "mode": "llm" if services.settings.llm_configured else "offline",
            "documents": getattr(status, "documents", None),
            "chunks": getattr(status, "chunks", None),
        }

    @router.post("/chat")
    def chat(body: ChatRequest, request: Request) -> Any:
        message = body.message.strip()
        if not message:
            return _error(422, "message is empty", "消息为空")
        try:
            gate.check_length(message)
            session_id = services.store.ensure_session(body.session_id)
        except AnswerRefused as refused:
            return _error(refused.status, refused.message, refused.message_zh)
        except StorageError as error:
            log.warning("session not stored (%s); answering without history", error.message)
            session_id = new_session_id()
        history = session_history(services, session_id)
        started = time.perf_counter()

        def produce() -> Any:
            yield StreamEvent(answer=services.coach.answer(message, history, body.lang))

        try:
            events = list(gate.run(session_id, client_address(request), produce))
        except AnswerRefused as refused:
            return _error(refused.status, refused.message, refused.message_zh)
        answer = next(e.answer for e in events if e.answer is not None)
        latency_ms = int((time.perf_counter() - started) * 1000)
        turn_id = store_exchange(services.store, session_id, message, answer, latency_ms)
        result = public_answer(answer, services.settings)
        result.update(
            session_id=session_id,
            turn_id=turn_id,
            latency_ms=latency_ms,
            stored=turn_id is not None,
        )
        return result

    @router.post("/feedback")
    def feedback(body: FeedbackRequest) -> Any:
        try:
            services.store.record_feedback(body.turn_id, body.session_id, body.rating, body.comment)
        except StorageError as error:
            log.warning("feedback lost: %s", error.message)
            return _error(
                503, "the feedback could not be saved; try again later", "反馈未能保存，请稍后再试"
            )
        except CareerCoachError as error:
            return _error(404, error.message, error.message_zh)
        return {"ok": True}

    return router
