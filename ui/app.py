"""The whole web app, wired in one place: ``build_app(settings)`` returns an ASGI application.

Routes: the graduate chat at ``/``, the counselor review at ``/counselor`` and the maintainer
console at ``/maintainer`` (three Gradio apps mounted on one FastAPI app), ``/login`` and
``/logout`` (``ui/login.py``), downloads (``ui/downloads.py``), the REST API under ``/api`` with
its docs at ``/api/docs``, and the originals at citations (``/documents/{id}`` and
``/api/documents/…``, ``ui/documents.py``; anonymous, like the answers that cite them).
In front of them, from the outside in (SECURITY.md):

1. ``ProxyHeadersMiddleware`` (uvicorn's), only for ``settings.trusted_proxies``: the client
   address and scheme a trusted proxy forwards;
2. :class:`ui.headers.SecurityHeaders`: CSP with a nonce, nosniff, referrer policy, no echo;
3. :class:`ui.exposure.BodyLimit`: request bodies above their limit get 413;
4. :class:`ui.exposure.RouteAllowList`: only our routes and what each page needs, else 404;
5. :class:`ui.auth.RoleGuard`: staff sessions, roles and CSRF; graduate session cookies.

:func:`build_services` takes the ``bot`` objects (knowledge base, coach with its planner, store)
from :func:`bot.app.build_app`, the wiring the command line and the evals use too; tests pass
their own :class:`ui.services.Services` to :func:`build_app` instead.
Indexing the starter knowledge base on first start is ``careercoach serve``'s job, not this one's.
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bot.resources import package_path
from bot.settings import Settings
from ui.api import build_api
from ui.apidocs import add_api_docs
from ui.auth import RoleGuard, Signer, staff_login_of
from ui.coaching import CoachingPage, resume_routes
from ui.coaching_api import build_coaching_api
from ui.counselor import CounselorReview, build_counselor_page, queue_functions
from ui.csrf import CSRF_SCRIPT, SCRIPT_PATH
from ui.documents import build_documents
from ui.downloads import PlanShelf, add_download_routes
from ui.exposure import BodyLimit, RouteAllowList, gradio_page_rules, own_routes
from ui.graduate import GraduateChat, build_graduate_page, plan_routes
from ui.headers import SecurityHeaders
from ui.limits import AnswerGate
from ui.login import add_login_routes
from ui.maintainer import build_maintainer_page
from ui.offline import prepare_gradio, secure_home
from ui.scripts import chat_routes, review_routes, script_routes, script_tag
from ui.services import Services

log = logging.getLogger(__name__)

STYLE = package_path("ui", "templates", "style.css")
PROTECTED = {
    "/counselor": frozenset({"counselor", "maintainer"}),
    "/maintainer": frozenset({"maintainer"}),
}
GRADIO_CACHE_SWEEP = (1800, 3600)  # every 30 minutes, delete Gradio temp files over an hour old


def build_services(settings: Settings) -> Services:
    """Construct the real ``bot`` objects once for the whole app."""
    from bot.app import build_app as wire
    from bot.evaljobs import EvalJobRunner
    from bot.knowledge.base import KnowledgeBase
    from bot.notify import make_notifier
    from bot.store import Store
    from bot.verified import VerifiedMatcher, load_threshold
    from ui.coaching import make_coaching
    from ui.planning import make_plan_maker

    kb = KnowledgeBase(settings)
    store = Store(settings, on_flag=make_notifier(settings))
    threshold = settings.verified_threshold or load_threshold(kb.embedding_id)
    verified = VerifiedMatcher(store.verified, kb.embeddings, kb, threshold)
    # the same wiring as the command line and the evals, plus the counselors' verified answers
    product = wire(settings, kb=kb, verified=verified)
    return Services(
        settings=settings,
        coach=product.coach,
        kb=kb,
        store=store,
        plan=make_plan_maker(settings, kb),
        coaching=make_coaching(settings, store),
        verified=verified,
        jobs=EvalJobRunner(settings, store),
    )


def validation_error(_request: Request, error: Exception) -> JSONResponse:
    """422 naming each bad field and why, never echoing what was sent."""
    problems = []
    for item in getattr(error, "errors", lambda: [])():
        where = ".".join(str(part) for part in item.get("loc", ()))
        problems.append({"field": where, "problem": str(item.get("msg", ""))[:200]})
    return JSONResponse(
        {"error": "invalid request", "error_zh": "请求格式不正确", "detail": problems}, 422
    )


def staff_dependency(roles: frozenset[str]) -> Any:
    """Gradio's auth hook: the login name the role guard found (it refuses everyone else)."""

    def user_of(request: Request) -> str | None:
        login = staff_login_of(request)
        return login.name if login is not None and login.role in roles else None

    return user_of


def signing_secret(settings: Settings, services: Services) -> bytes:
    """The configured secret, else the database's (shared by every process on it)."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value().encode()
    return services.store.shared_secret("cookies", legacy_file=settings.home / "session_secret")


def build_app(settings: Settings, services: Services | None = None) -> Any:
    """The ASGI application serving every page and the API, behind the security middleware."""
    secure_home(settings)
    prepare_gradio(settings)
    services = services or build_services(settings)
    signer = Signer(signing_secret(settings, services))
    gate = AnswerGate(settings)
    plans = PlanShelf()
    app = FastAPI(
        title="careercoach", docs_url=None, openapi_url="/api/openapi.json", redoc_url=None
    )
    app.add_exception_handler(RequestValidationError, validation_error)
    app.include_router(build_api(services, gate))
    app.include_router(build_documents(services))  # originals at citations (ui/documents.py)
    for router in build_coaching_api(services):
        app.include_router(router)
    add_api_docs(app)
    add_login_routes(app, services, signer)
    app.include_router(plan_routes(services))  # plans made in chat, before the shelf's /plans/
    add_download_routes(app, CounselorReview(services), plans)

    @app.get(SCRIPT_PATH, include_in_schema=False)
    def csrf_script() -> Response:
        return Response(CSRF_SCRIPT, media_type="text/javascript")

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
        "blocked_paths": [str(settings.home)],
        "show_error": False,
    }
    # the page scripts and their routes (ui/scripts.py), before the pages mounted over them
    app.include_router(script_routes())
    app.include_router(chat_routes(GraduateChat(services, gate, plans)))
    app.include_router(resume_routes(CoachingPage(services)))
    review = CounselorReview(services)
    app.include_router(review_routes(queue_functions(review)))
    max_upload = f"{int(settings.max_file_mb * 1e6)}b"
    pages = [
        ("/counselor", build_counselor_page(services), "1b", script_tag("review")),
        ("/maintainer", build_maintainer_page(services), max_upload, ""),
    ]
    for path, page, max_size, head in pages:
        page.delete_cache = GRADIO_CACHE_SWEEP
        gr.mount_gradio_app(
            app,
            page,
            path=path,
            auth_dependency=staff_dependency(PROTECTED[path]),
            max_file_size=max_size,
            head=head,
            **common,
        )
    graduate = build_graduate_page(services, gate, plans)
    graduate.delete_cache = GRADIO_CACHE_SWEEP
    gr.mount_gradio_app(
        app,
        graduate,
        path="",
        max_file_size="1b",
        head=script_tag("chat") + script_tag("resume"),
        **common,
    )

    page_rules = [
        *gradio_page_rules(""),
        *gradio_page_rules("/counselor", api_calls=True),
        *gradio_page_rules("/maintainer", uploads=True, api_calls=True),
    ]

    app.add_middleware(
        RoleGuard,
        signer=signer,
        staff=services.store,
        protected=PROTECTED,
        cookie_policy=settings.cookie_secure,
    )
    app.add_middleware(RouteAllowList, rules=page_rules, routes=lambda: own_routes(app.routes))
    app.add_middleware(
        BodyLimit,
        default_bytes=settings.max_request_kb * 1024,
        larger={"/maintainer/gradio_api/upload": int(settings.max_upload_mb * 1_000_000)},
    )
    app.add_middleware(
        SecurityHeaders, staff_prefixes=tuple(PROTECTED), no_store=("/api", "/plans", "/login")
    )
    if settings.trusted_proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app
