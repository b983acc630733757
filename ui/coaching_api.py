"""REST endpoints for coaching under ``/api/coaching``, and the counselor's view of what
graduates shared under ``/counselor/api/coaching`` (behind the role guard like the page).

Anonymous like the chat: a client passes its ``session_id`` (from ``/api/chat`` or
``/api/coaching/session``) to keep answers, plans and interview sessions together. Every error a
user can cause is a 4xx with the message in both languages. Thin: the work is
:class:`bot.coaching.service.Coaching`'s.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from pydantic import BaseModel, Field

from bot.errors import CareerCoachError, NotFoundError
from ui.services import Services

Lang = Literal["zh", "en"]
MAX_UPLOAD = 5 * 1024 * 1024


class AnswersRequest(BaseModel):
    session_id: str | None = Field(default=None, max_length=128)
    answers: dict[str, int]
    restart: bool = False
    lang: Lang = "zh"


class ProfileRequest(BaseModel):
    session_id: str | None = Field(default=None, max_length=128)
    profile: dict[str, Any] = Field(default_factory=dict)
    code: str | None = Field(default=None, max_length=8)
    lang: Lang = "zh"


class InterviewRequest(BaseModel):
    session_id: str | None = Field(default=None, max_length=128)
    question_id: str = Field(min_length=1, max_length=64)
    answer: str = Field(min_length=1, max_length=4000)
    lang: Lang = "zh"


class ShareRequest(BaseModel):
    session_id: str = Field(min_length=1, max_length=128)
    record_id: int
    shared: bool = True


def _fail(error: CareerCoachError) -> HTTPException:
    status = 404 if isinstance(error, NotFoundError) else 400
    return HTTPException(status, f"{error.message_zh} / {error.message}")


def build_coaching_api(services: Services) -> list[APIRouter]:
    api = APIRouter(prefix="/api/coaching")
    staff = APIRouter(prefix="/counselor/api/coaching")

    def coaching() -> Any:
        if services.coaching is None:
            raise HTTPException(503, "职业辅导功能暂不可用 / coaching is not available")
        return services.coaching

    def session(session_id: str | None) -> str | None:
        if session_id is None:
            return None
        try:
            return services.store.ensure_session(session_id)
        except CareerCoachError as error:
            raise _fail(error) from error

    @api.post("/session")
    def new_session() -> dict[str, Any]:
        return {"session_id": services.store.ensure_session(None)}

    @api.get("/questionnaire")
    def questionnaire(lang: Lang = "zh") -> dict[str, Any]:
        c = coaching()
        return {
            "items": c.items(lang),
            "scale": c.scale(lang),
            "caveat": c.questionnaire.caveat.get(lang),
        }

    @api.get("/assessment")
    def assessment(session_id: str, lang: Lang = "zh") -> dict[str, Any]:
        c = coaching()
        try:
            state = c.assessment_state(session(session_id))
        except CareerCoachError as error:
            raise _fail(error) from error
        if state["result"]:
            state["view"] = c.result_view(state["result"], lang)
        return state

    @api.post("/assessment")
    def answer(request: AnswersRequest) -> dict[str, Any]:
        c = coaching()
        try:
            state = c.answer(session(request.session_id), request.answers, restart=request.restart)
        except CareerCoachError as error:
            raise _fail(error) from error
        if state["result"]:
            state["view"] = c.result_view(state["result"], request.lang)
        return state

    @api.get("/occupations")
    def occupations(
        q: str = "", major: str | None = None, code: str | None = None, lang: Lang = "zh"
    ) -> list[dict[str, Any]]:
        from bot.coaching.occupations import search
        from bot.coaching.riasec import parse_code

        c = coaching()
        try:
            found = search(c.occupations, q, major=major, code=parse_code(code) if code else None)
        except CareerCoachError as error:
            raise _fail(error) from error
        return [
            occ.model_dump(mode="json", exclude_none=True)
            | {"resources": c.occupations.resources_of(occ)}
            for occ in found
        ]

    @api.post("/match")
    def match(request: ProfileRequest) -> dict[str, Any]:
        try:
            found = coaching().suggestions(
                request.profile, request.lang, session(request.session_id), request.code
            )
        except CareerCoachError as error:
            raise _fail(error) from error
        return {"suggestions": found}

    @api.post("/plan")
    def plan(request: ProfileRequest) -> dict[str, Any]:
        try:
            return coaching().plan(request.profile, request.lang, session(request.session_id))
        except CareerCoachError as error:
            raise _fail(error) from error

    @api.post("/resume")
    async def resume(
        file: Annotated[UploadFile, File()],
        job: Annotated[str, Form()] = "",
        keep: Annotated[bool, Form()] = False,
        session_id: Annotated[str | None, Form()] = None,
        lang: Annotated[Lang, Form()] = "zh",
    ) -> dict[str, Any]:
        data = await file.read(MAX_UPLOAD + 1)
        name = (file.filename or "resume").replace("/", "_")[-80:]
        try:
            return coaching().review_resume(
                data, name, lang, job or None, keep=keep, session_id=session(session_id)
            )
        except CareerCoachError as error:
            raise _fail(error) from error

    @api.get("/interview/questions")
    def questions(
        format: str | None = None, occupation: str | None = None, lang: Lang = "zh"
    ) -> dict[str, Any]:
        c = coaching()
        try:
            formats = c.formats(occupation)
            chosen = format or formats[0]
            return {"format": chosen, "formats": formats, "questions": c.questions(chosen, lang)}
        except CareerCoachError as error:
            raise _fail(error) from error

    @api.post("/interview/feedback")
    def feedback(request: InterviewRequest) -> dict[str, Any]:
        c = coaching()
        try:
            sid = session(request.session_id)
            body = c.interview_feedback(request.question_id, request.answer, request.lang, sid)
            body["summary"] = c.interview_summary(sid, request.lang) if sid else None
            return body
        except CareerCoachError as error:
            raise _fail(error) from error

    @api.post("/share")
    def share(request: ShareRequest) -> dict[str, Any]:
        try:
            services.store.coaching.share(request.session_id, request.record_id, request.shared)  # type: ignore[attr-defined]
        except CareerCoachError as error:
            raise _fail(error) from error
        return {"ok": True}

    @api.get("/records")
    def records(session_id: str) -> list[dict[str, Any]]:
        try:
            found = services.store.coaching.of_session(session_id)  # type: ignore[attr-defined]
        except CareerCoachError as error:
            raise _fail(error) from error
        return [
            {"id": r.id, "kind": r.kind, "shared": r.shared, "updated_at": r.updated_at.isoformat()}
            for r in found
        ]

    @staff.get("/shared")
    def shared(kind: str | None = None) -> list[dict[str, Any]]:
        found = services.store.coaching.shared(kind)  # type: ignore[attr-defined]
        return [r.model_dump(mode="json") for r in found]

    return [api, staff]
