"""Security headers on every response, and the few response rewrites they need.

Every HTTP response gets a Content-Security-Policy, ``X-Content-Type-Options: nosniff``,
``Referrer-Policy: same-origin``, ``X-Frame-Options: DENY`` and a Permissions-Policy; staff pages,
the API and downloads also get ``Cache-Control: no-store``. The policy is the one the issue asks
for plus what Gradio needs, checked in Chromium (``tests/browser``):

    default-src 'self'; script-src 'self' 'nonce-…'; style-src 'self' 'unsafe-inline';
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; media-src 'self' blob: data:;
    worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self';
    frame-ancestors 'none'

A response that brings its own policy (``ui/documents.py``'s viewer) keeps it and gets this one
as well; browsers enforce every policy sent, so the result is at least as strict as either.

Gradio's page carries its configuration in inline scripts, so each HTML response gets a fresh
nonce written into its ``<script>`` tags (no ``'unsafe-inline'`` for scripts: an injected
``<script>`` would not run); styles must stay ``'unsafe-inline'`` because Gradio sets style
attributes. Staff pages also get ``/cc/csrf.js`` as their first script (``ui/csrf.py``).

Rewrites, all on small bodies: the Gradio version is removed from the page's inline
configuration and from ``/config``; the body of a 422 (validation error) loses the ``input`` and
``ctx`` its entries carry, so an error never echoes what was sent.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ui.csrf import SCRIPT_PATH

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "media-src 'self' blob: data:; worker-src 'self' blob:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
FIXED = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
_SCRIPT_TAG = re.compile(rb"<script\b(?![^>]*\bnonce=)", re.IGNORECASE)
_VERSION = re.compile(rb'"version":\s*"[^"]*",?\s*')
_HEAD = re.compile(rb"<head[^>]*>", re.IGNORECASE)
MAX_REWRITE_BYTES = 8_000_000


def _strip_echo(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_echo(v) for k, v in value.items() if k not in ("input", "ctx", "url")}
    if isinstance(value, list):
        return [_strip_echo(v) for v in value]
    return value


class SecurityHeaders:
    """ASGI middleware adding the headers above and doing the rewrites."""

    def __init__(
        self, app: ASGIApp, staff_prefixes: tuple[str, ...], no_store: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.staff_prefixes = staff_prefixes
        self.no_store = staff_prefixes + no_store

    def _is(self, path: str, prefixes: tuple[str, ...]) -> bool:
        return any(path == p or path.startswith(p + "/") for p in prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        nonce = secrets.token_urlsafe(16)
        held: Message | None = None
        chunks: list[bytes] = []
        rewrite = ""

        async def send_secured(message: Message) -> None:
            nonlocal held, rewrite
            if message["type"] == "http.response.start":
                # A route's own, stricter policy (the document viewer's) stays beside ours: a
                # browser enforces both, so neither can loosen the other.
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-frame-options"
                ]
                headers += [(b"content-security-policy", POLICY.format(nonce=nonce).encode())]
                headers += FIXED
                if self._is(path, self.no_store):
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
                rewrite = self._rewrite_kind(message, path)
                if rewrite:
                    held = message
                    return
                await send(message)
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False) and sum(map(len, chunks)) < MAX_REWRITE_BYTES:
                return
            body = b"".join(chunks)
            if not message.get("more_body", False):
                body = self._rewritten(rewrite, body, path, nonce)
            held["headers"] = [(k, v) for k, v in held["headers"] if k.lower() != b"content-length"]
            held["headers"].append((b"content-length", str(len(body)).encode()))
            if message.get("more_body", False):  # too large to rewrite: pass it on as it is
                del held["headers"][-1]
            await send(held)
            await send({**message, "body": body})
            held = None

        await self.app(scope, receive, send_secured)

    @staticmethod
    def _rewrite_kind(start: Message, path: str) -> str:
        headers = {k.lower(): v for k, v in start.get("headers", [])}
        if b"content-encoding" in headers:
            return ""
        kind = headers.get(b"content-type", b"").split(b";")[0].strip()
        if kind == b"text/html":
            return "html"
        if kind == b"application/json" and start.get("status") == 422:
            return "error"
        if kind == b"application/json" and re.search(r"/config/?$", path):
            return "config"
        return ""

    def _rewritten(self, kind: str, body: bytes, path: str, nonce: str) -> bytes:
        if kind == "html":
            body = _SCRIPT_TAG.sub(f'<script nonce="{nonce}"'.encode(), body)
            body = _strip_config_version(body)
            if self._is(path, self.staff_prefixes):
                tag = f'<script nonce="{nonce}" src="{SCRIPT_PATH}"></script>'.encode()
                body = _HEAD.sub(lambda m: m.group(0) + tag, body, count=1)
            return body
        try:
            data = json.loads(body)
        except ValueError:
            return body
        if kind == "error":
            data = _strip_echo(data)
        elif isinstance(data, dict):
            data.pop("version", None)
        return json.dumps(data, ensure_ascii=False).encode()


def _strip_config_version(body: bytes) -> bytes:
    """The Gradio version out of the inline configuration (only there, once)."""
    start = body.find(b"window.gradio_config = {")
    if start < 0:
        return body
    head, tail = body[:start], body[start:]
    return head + _VERSION.sub(b"", tail, count=1)
