"""The small REST API beside the web pages: ``POST /api/chat``, ``POST /api/feedback``,
``GET /api/health``.

``/api/chat`` takes ``{"session_id": optional, "message": "...", "lang": optional "zh"|"en"}`` and
returns the fields of ``careercoach ask --json`` (the engine's ``Answer``) plus ``session_id`` and
``turn_id``, so a client can continue the conversation (earlier turns of the session are the
history, which makes follow-up questions work) and rate the answer. It is anonymous like the
graduate chat. No streaming here: the browser chat streams through Gradio.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from bot.chat.models import Turn
from bot.errors import CareerCoachError, NotFoundError
from ui.services import Services

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000


class ChatRequest(BaseModel):
    session_id: str | None = Field(default=None, max_length=128)
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    lang: Literal["zh", "en"] | None = None


class FeedbackRequest(BaseModel):
    session_id: str = Field(min_length=1, max_length=128)
    turn_id: int
    rating: Literal[1, -1]
    comment: str = Field(default="", max_length=2000)


def session_history(services: Services, session_id: str) -> list[Turn]:
    """The earlier turns of a session, oldest first; empty for a new session."""
    try:
        conversation = services.store.conversation_for_session(session_id)
    except NotFoundError:
        return []
    return conversation.history() if conversation is not None else []


def build_api(services: Services) -> APIRouter:
    router = APIRouter(prefix="/api")

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
    def chat(request: ChatRequest) -> dict[str, Any]:
        message = request.message.strip()
        if not message:
            raise HTTPException(422, "message is empty / 消息为空")
        try:
            session_id = services.store.ensure_session(request.session_id)
        except CareerCoachError as error:
            raise HTTPException(400, error.message) from error
        history = session_history(services, session_id)
        started = time.perf_counter()
        answer = services.coach.answer(message, history, request.lang)
        latency_ms = int((time.perf_counter() - started) * 1000)
        turn_id = services.store.add_exchange(session_id, message, answer, latency_ms)
        body: dict[str, Any] = answer.model_dump(mode="json")
        body.update(session_id=session_id, turn_id=turn_id, latency_ms=latency_ms)
        return body

    @router.post("/feedback")
    def feedback(request: FeedbackRequest) -> dict[str, Any]:
        try:
            services.store.record_feedback(
                request.turn_id, request.session_id, request.rating, request.comment
            )
        except CareerCoachError as error:
            raise HTTPException(404, error.message) from error
        return {"ok": True}

    return router
