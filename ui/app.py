"""The whole web app, wired in one place: ``build_app(settings)`` returns a FastAPI application.

Routes: the graduate chat at ``/``, the counselor review at ``/counselor`` and the maintainer
console at ``/maintainer`` (three Gradio apps mounted on one FastAPI app), ``/login`` and
``/logout`` (our own form and signed cookie), and the REST API under ``/api``. The role guard
(``ui/auth.RoleGuard``) wraps everything, so refusals do not depend on Gradio.

:func:`build_services` is the only place that constructs ``bot`` objects (knowledge base, coach,
planner, store); tests pass their own :class:`ui.services.Services` to :func:`build_app` instead.
Indexing the starter knowledge base on first start is ``careercoach serve``'s job, not this one's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.errors import AuthError
from bot.settings import Settings
from ui.api import build_api
from ui.auth import (
    AUTH_COOKIE,
    LOGIN_TTL_S,
    CookieSigner,
    Login,
    RoleGuard,
    cookie_of,
    login_page,
)
from ui.auth import session_secret as load_secret
from ui.counselor import CounselorReview, build_counselor_page, queue_functions
from ui.documents import build_documents
from ui.graduate import GraduateChat, build_graduate_page, plan_routes
from ui.maintainer import build_maintainer_page
from ui.scripts import chat_routes, review_routes, script_routes, script_tag
from ui.services import Services

log = logging.getLogger(__name__)

LOGIN_TEMPLATE = Path(__file__).parent / "templates" / "login.html"
STYLE = Path(__file__).parent / "templates" / "style.css"
PROTECTED = {
    "/counselor": frozenset({"counselor", "maintainer"}),
    "/maintainer": frozenset({"maintainer"}),
}
HOME_OF_ROLE = {"counselor": "/counselor/", "maintainer": "/maintainer/"}


def build_services(settings: Settings) -> Services:
    """Construct the real ``bot`` objects once for the whole app."""
    from bot.chat.coach import build_coach
    from bot.evaljobs import EvalJobRunner
    from bot.knowledge.base import KnowledgeBase
    from bot.notify import make_notifier
    from bot.store import Store
    from bot.verified import VerifiedMatcher, load_threshold
    from ui.planning import make_plan_maker, make_planner

    kb = KnowledgeBase(settings)
    planner = make_planner(settings, kb)
    store = Store(settings, on_flag=make_notifier(settings))
    threshold = settings.verified_threshold or load_threshold(kb.embedding_id)
    verified = VerifiedMatcher(store.verified, kb.embeddings, kb, threshold)
    return Services(
        settings=settings,
        coach=build_coach(settings, retriever=kb, planner=planner, verified=verified),
        kb=kb,
        store=store,
        plan=make_plan_maker(settings, kb),
        verified=verified,
        jobs=EvalJobRunner(settings, store),
    )


def _safe_next(path: str, role: str) -> str:
    """Only local paths, so the login form cannot be used to redirect elsewhere."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return HOME_OF_ROLE.get(role, "/")


def add_login_routes(app: FastAPI, services: Services, signer: CookieSigner) -> None:
    @app.get("/login", response_class=HTMLResponse)
    def login_form(next: str = "") -> HTMLResponse:
        return HTMLResponse(login_page(LOGIN_TEMPLATE, next_path=next))

    @app.post("/login")
    def login(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        next: str = Form(""),
    ) -> Any:
        client = request.client.host if request.client else ""
        try:
            user = services.store.authenticate(username.strip(), password, client=client)
        except AuthError as error:
            text = f"{error.message_zh} / {error.message}"
            return HTMLResponse(login_page(LOGIN_TEMPLATE, next_path=next, error=text), 401)
        target = _safe_next(next, user.role) if next else HOME_OF_ROLE[user.role]
        response = RedirectResponse(target, status_code=303)
        token = signer.sign_login(Login(name=user.name, role=user.role))
        response.set_cookie(
            AUTH_COOKIE, token, max_age=LOGIN_TTL_S, httponly=True, samesite="lax", path="/"
        )
        log.info("%s logged in as %s", user.name, user.role)
        return response

    @app.get("/logout")
    def logout() -> RedirectResponse:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(AUTH_COOKIE, path="/")
        return response

    @app.get("/whoami")
    def whoami(request: Request) -> dict[str, Any]:
        login = signer.read_login(request.cookies.get(AUTH_COOKIE))
        return {"name": login.name, "role": login.role} if login else {"name": None}


def staff_name(signer: CookieSigner) -> Callable[[Any], str | None]:
    """The logged-in staff member's name for a request (Gradio's or Starlette's), or None."""

    def name_of(request: Any) -> str | None:
        login = signer.read_login(cookie_of(request, AUTH_COOKIE))
        return login.name if login is not None else None

    return name_of


def staff_dependency(signer: CookieSigner, roles: frozenset[str]) -> Any:
    """Gradio's auth hook: the login name when the cookie carries one of ``roles``."""

    def user_of(request: Request) -> str | None:
        login = signer.read_login(request.cookies.get(AUTH_COOKIE))
        return login.name if login is not None and login.role in roles else None

    return user_of


def build_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """The FastAPI application serving every page and the API."""
    services = services or build_services(settings)
    signer = CookieSigner(load_secret(settings))
    app = FastAPI(
        title="careercoach", docs_url="/api/docs", openapi_url="/api/openapi.json", redoc_url=None
    )
    app.include_router(build_api(services))
    app.include_router(plan_routes(services))  # plans made in chat, for their session only
    app.include_router(build_documents(services))  # originals at citations (ui/documents.py)
    add_login_routes(app, services, signer)

    @app.get("/counselor", include_in_schema=False)
    def counselor_slash() -> RedirectResponse:
        return RedirectResponse("/counselor/")

    @app.get("/maintainer", include_in_schema=False)
    def maintainer_slash() -> RedirectResponse:
        return RedirectResponse("/maintainer/")

    css = STYLE.read_text(encoding="utf-8")
    common: dict[str, Any] = {
        "footer_links": [],
        "run_history": False,
        "css": css,
        "allowed_paths": [str(settings.cache_dir)],
    }
    # the page scripts and their routes (ui/scripts.py), before the pages mounted over them
    app.include_router(script_routes())
    app.include_router(chat_routes(GraduateChat(services)))
    review = CounselorReview(services, staff_name(signer))
    app.include_router(review_routes(queue_functions(review)))
    for path, page, head in (
        ("/counselor", build_counselor_page(services, staff_name(signer)), script_tag("review")),
        ("/maintainer", build_maintainer_page(services, staff_name(signer)), ""),
    ):
        gr.mount_gradio_app(
            app,
            page,
            path=path,
            auth_dependency=staff_dependency(signer, PROTECTED[path]),
            head=head,
            **common,
        )
    gr.mount_gradio_app(
        app, build_graduate_page(services), path="", head=script_tag("chat"), **common
    )
    app.add_middleware(RoleGuard, signer=signer, protected=PROTECTED)
    return app
