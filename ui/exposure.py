"""What the server accepts and serves: an allow-list of routes and a request body limit.

Gradio mounts some sixty routes on every app (file and proxy fetches, uploads, the API
description and OpenAPI schema, monitoring, run history, MCP, vibe editing …). A graduate's page
needs a handful, so :class:`RouteAllowList` lets through only the routes of our own FastAPI app
and, for each mounted page, the routes its browser page uses (measured in Chromium: the page,
its config, assets, fonts, the queue and heartbeats; uploads only on the maintainer console).
Everything else answers 404 before Gradio sees it — so no ``/gradio_api/file=`` of any app can
serve a file of the home, nothing fetches a URL on a visitor's behalf, and ``/monitoring`` and
the schemas are gone.

:class:`BodyLimit` refuses a request body larger than its limit with 413, from
``Content-Length`` before reading anything, or while reading a body without one; the maintainer
console's uploads have their own, larger limit (each file is also held to ``max_file_mb`` by
Gradio).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.routing import BaseRoute, Match, Mount

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

READ = frozenset({"GET", "HEAD"})
WRITE = frozenset({"POST"})


@dataclass(frozen=True)
class Rule:
    methods: frozenset[str]
    pattern: re.Pattern[str]

    def allows(self, method: str, path: str) -> bool:
        return method in self.methods and self.pattern.fullmatch(path) is not None


def gradio_page_rules(prefix: str, *, uploads: bool = False, api_calls: bool = False) -> list[Rule]:
    """The routes a Gradio page mounted at ``prefix`` ('' for the root) needs in the browser."""
    p = re.escape(prefix)
    read = [
        rf"{p}/",
        rf"{p}/config/?",
        rf"{p}/theme\.css",
        rf"{p}/assets/[\w\-./]+",
        rf"{p}/static/[\w\-./]+",
        rf"{p}/favicon\.ico",
        rf"{p}/manifest\.json",
        rf"{p}/gradio_api/heartbeat/[\w\-]+",
        rf"{p}/gradio_api/queue/data",
        rf"{p}/gradio_api/startup-events",
    ]
    write = [rf"{p}/gradio_api/queue/join", rf"{p}/gradio_api/cancel"]
    if uploads:
        read.append(rf"{p}/gradio_api/upload_progress")
        write.append(rf"{p}/gradio_api/upload")
    if api_calls:  # staff only: Gradio's HTTP API for scripts (the guard checks role and CSRF)
        read.append(rf"{p}/gradio_api/call/\w+/[\w\-]+")
        write.append(rf"{p}/gradio_api/call/\w+")
    return [
        *(Rule(READ, re.compile(r)) for r in read),
        *(Rule(WRITE, re.compile(w)) for w in write),
    ]


def own_routes(routes: Iterable[BaseRoute]) -> list[BaseRoute]:
    """The routes of our own FastAPI app: everything but the mounted Gradio apps."""
    return [route for route in routes if not isinstance(route, Mount)]


async def _send_json(send: Send, status: int, error: str, error_zh: str) -> None:
    body = json.dumps({"error": error, "error_zh": error_zh}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RouteAllowList:
    """ASGI middleware: 404 for every path that is neither ours nor allowed by a page rule."""

    def __init__(
        self,
        app: ASGIApp,
        rules: list[Rule],
        routes: Callable[[], list[BaseRoute]],
    ) -> None:
        self.app = app
        self.rules = rules
        self._routes = routes  # read at the first request, when every route exists
        self._own: list[BaseRoute] | None = None

    def _ours(self, scope: Scope) -> bool:
        if self._own is None:
            self._own = self._routes()
        return any(route.matches(scope)[0] is not Match.NONE for route in self._own)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET") if scope["type"] == "http" else "GET"
        path = scope.get("path", "")
        if any(rule.allows(method, path) for rule in self.rules) or self._ours(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4404})
            return
        await _send_json(send, 404, "not found", "未找到")


class BodyLimit:
    """ASGI middleware: 413 for request bodies above the limit of their path."""

    def __init__(self, app: ASGIApp, default_bytes: int, larger: dict[str, int]) -> None:
        self.app = app
        self.default_bytes = default_bytes
        self.larger = larger  # exact path -> its own limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope.get("path", ""), self.default_bytes)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True
            if too_big:
                await self._refuse(send, limit)
                return
        received = 0
        started = False
        refused = False

        async def counting_receive() -> Message:
            # Over the limit, the app is told the client left (frameworks turn an exception
            # raised here into their own 400) and the 413 is sent in its place.
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await self._refuse(send, limit)
                    return {"type": "http.disconnect"}
            return {"type": "http.disconnect"} if refused else message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counting_receive, guarded_send)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        size = f"{limit / 1_000_000:.0f} MB" if limit >= 1_000_000 else f"{limit // 1024} KiB"
        await _send_json(
            send,
            413,
            f"the request is larger than the {size} this server accepts",
            f"请求超过服务器接受的上限 {size}",
        )
