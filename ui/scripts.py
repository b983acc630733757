"""The page scripts and the routes they call, apart from Gradio's event machinery.

The graduate chat (``templates/chat.js``) and the counselor's review queue
(``templates/review.js``) draw themselves in the browser. Gradio would run such a script with
``Function()``, which the Content-Security-Policy forbids (no ``'unsafe-eval'``), so each page
instead loads one same-origin script, ``/cc/scripts/<name>.js`` (``templates/bridge.js`` with
the page script wrapped in a function), into an empty column of the page, and the script talks
to the JSON routes below with ``fetch``:

- graduate, tied to the ``cc_session`` cookie like everything of a graduate:
  ``GET /cc/chat/view`` (the most recent or a given conversation), ``POST /cc/chat/view``,
  ``/cc/chat/select`` (open, new, rename, delete), ``/cc/chat/rate`` and ``/cc/chat/submit``,
  which streams the chat after each piece of the answer as JSON lines; when the browser stops
  reading (the stop button aborts the request) the answer is abandoned and nothing is stored.
- counselor, under ``/counselor`` so the role guard covers them: ``POST /counselor/cc/queue``,
  ``/transcript``, ``/review`` and ``/flag``.

Every route is one of our own FastAPI app's, so the route allow-list (``ui/exposure.py``) lets
it through and the body limit covers it; the counselor routes are under the role guard's prefix
(role and CSRF token checked there); every POST must come from this origin (``ui/csrf.py``);
``/cc/chat/submit`` answers through the :class:`ui.limits.AnswerGate` (length, concurrency).
Bodies are JSON objects; anything else is refused with 400 and a message in Chinese and
English, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from bot.resources import package_path
from ui.csrf import cross_site

TEMPLATES = package_path("ui", "templates")
MAX_BODY_BYTES = 64_000

# name: (mount id, routes' prefix, server functions, events, initial view's URL as JS or null)
PAGES: dict[str, tuple[str, str, list[str], dict[str, str], str]] = {
    "chat": (
        "chat",
        "/cc/chat",
        ["rate"],
        {"submit": "stream", "stop": "abort", "select": "call", "view": "call"},
        '() => "/cc/chat/view?lang=" + (localStorage.getItem("careercoach-chat-lang") || "zh")',
    ),
    "review": (
        "review",
        "/counselor/cc",
        ["queue", "transcript", "review", "flag"],
        {},
        "null",
    ),
    # the résumé file of the coaching tab; it posts its form itself (ui/coaching.resume_routes)
    "resume": ("resume-upload", "/cc/resume", [], {}, "null"),
}


def page_script(name: str) -> str:
    """The bridge and the page script ``name``, wrapped so it runs without ``Function()``."""
    mount, base, functions, events, load = PAGES[name]
    bridge = (TEMPLATES / "bridge.js").read_text(encoding="utf-8")
    body = (TEMPLATES / f"{name}.js").read_text(encoding="utf-8")
    call = ", ".join(
        [json.dumps(mount), json.dumps(base), json.dumps(functions), json.dumps(events), load]
    )
    return (
        f"{bridge}\nwindow.ccMount({call},\n"
        f"function (element, props, trigger, server, watch, setValue) {{\n"
        f'"use strict";\n{body}\n}});\n'
    )


def script_tag(name: str) -> str:
    """The ``<script>`` for a page's ``head`` (same origin: the policy's ``'self'`` allows it)."""
    return f'<script src="/cc/scripts/{name}.js" defer></script>'


def _refused(reason: str, reason_zh: str) -> JSONResponse:
    return JSONResponse({"error": reason, "error_zh": reason_zh}, status_code=400)


async def json_body(request: Request) -> dict[str, Any] | JSONResponse:
    """The request's JSON object, or the response saying why it is not one: 403 for a request
    another site's page sent (the graduate routes have no CSRF token, as graduates have no
    login; the counselor routes also need the role guard's token), 400 for a bad body."""
    refused = cross_site(request)
    if refused is not None:
        return refused
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        return _refused(
            f"request body over {MAX_BODY_BYTES} bytes", f"请求内容超过 {MAX_BODY_BYTES} 字节"
        )
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return _refused("request body is not JSON", "请求内容不是 JSON")
    if not isinstance(data, dict):
        return _refused("request body must be a JSON object", "请求内容必须是 JSON 对象")
    return data


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _lang(value: Any) -> str:
    return "en" if value == "en" else "zh"


def script_routes() -> APIRouter:
    """``GET /cc/scripts/{chat,review}.js``."""
    router = APIRouter()
    scripts = {name: page_script(name) for name in PAGES}

    @router.get("/cc/scripts/{name}.js", include_in_schema=False)
    def script(name: str) -> Response:
        if name not in scripts:
            return JSONResponse({"error": "not found", "error_zh": "未找到"}, status_code=404)
        return Response(
            scripts[name],
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )

    return router


def chat_routes(chat: Any) -> APIRouter:
    """The graduate chat's routes over :class:`ui.graduate.GraduateChat` ``chat``."""
    router = APIRouter()

    @router.get("/cc/chat/view", include_in_schema=False)
    async def first_view(request: Request) -> Response:
        lang = _lang(request.query_params.get("lang"))
        return JSONResponse(await run_in_threadpool(chat.restore, lang, request))

    @router.post("/cc/chat/view", include_in_schema=False)
    async def view(request: Request) -> Response:
        data = await json_body(request)
        if isinstance(data, JSONResponse):
            return data
        session_id = await run_in_threadpool(chat.session_id, request)
        found = await run_in_threadpool(
            chat.view, session_id, _int(data.get("conversation_id")), _lang(data.get("lang"))
        )
        return JSONResponse(found)

    @router.post("/cc/chat/select", include_in_schema=False)
    async def select(request: Request) -> Response:
        data = await json_body(request)
        if isinstance(data, JSONResponse):
            return data
        found = await run_in_threadpool(
            chat.action,
            str(data.get("action", "")),
            _int(data.get("conversation_id")),
            str(data.get("title", "")),
            _lang(data.get("lang")),
            request,
        )
        return JSONResponse(found)

    @router.post("/cc/chat/rate", include_in_schema=False)
    async def rate(request: Request) -> Response:
        data = await json_body(request)
        if isinstance(data, JSONResponse):
            return data
        return JSONResponse(await run_in_threadpool(chat.rate, data.get("args"), request))

    @router.post("/cc/chat/submit", include_in_schema=False)
    async def submit(request: Request) -> Response:
        data = await json_body(request)
        if isinstance(data, JSONResponse):
            return data
        views = chat.respond(
            str(data.get("text", "")),
            _int(data.get("conversation_id")),
            _lang(data.get("lang")),
            request,
            regenerate=bool(data.get("regenerate")),
        )

        return StreamingResponse(
            ndjson_lines(views),
            media_type="application/x-ndjson",
            headers={"Cache-Control": "no-store"},
        )

    return router


_END = object()


async def ndjson_lines(views: Iterator[Any]) -> AsyncGenerator[str, None]:
    """``views`` as JSON lines, each piece computed in a worker thread.

    When the browser goes away (the stop button aborts the request) Starlette cancels this
    generator; ``views`` is then closed at once, where it waits, so the answer is abandoned,
    nothing is stored and its concurrency slot is given back now rather than whenever the
    garbage collector finds the abandoned generator.
    """
    try:
        while True:
            each = await run_in_threadpool(next, views, _END)
            if each is _END:
                return
            yield json.dumps(each, ensure_ascii=False) + "\n"
    finally:
        close = getattr(views, "close", None)
        if close is not None:
            close()


def review_routes(functions: dict[str, Callable[[Any, Any], dict[str, Any]]]) -> APIRouter:
    """The review queue's routes: ``functions`` maps each name to ``f(args, request)``."""
    router = APIRouter()

    def route(name: str, function: Callable[[Any, Any], dict[str, Any]]) -> None:
        async def call(request: Request) -> Response:
            data = await json_body(request)
            if isinstance(data, JSONResponse):
                return data
            return JSONResponse(await run_in_threadpool(function, data.get("args"), request))

        router.add_api_route(
            f"/counselor/cc/{name}", call, methods=["POST"], include_in_schema=False
        )

    for name, function in functions.items():
        route(name, function)
    return router
