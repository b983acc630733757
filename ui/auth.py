"""Who is asking: signed login cookies, the role guard, and anonymous graduate sessions.

A counselor or maintainer logs in on ``/login`` with an account of the store
(``store.authenticate``); the app then sets ``cc_auth``, a cookie holding the name, the role and an
expiry, signed with HMAC-SHA256 under the session secret (``settings.session_secret``, or a random
secret kept in ``<home>/session_secret``). :class:`RoleGuard` is a plain ASGI middleware: every
request under a protected prefix (``/counselor``, ``/maintainer``) without a valid cookie of the
right role is refused before Gradio sees it (a page load is redirected to the login form, anything
else gets 401/403), so the protection holds for Gradio's queue, upload and file routes too.

The same middleware gives every browser an anonymous graduate session id in the ``cc_session``
cookie (random, HttpOnly, one year); the graduate chat reads it so that a graduate sees only their
own conversation and gets it back after a reload. Passwords, lockouts and rate limits are the
store's business, not this module's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.settings import Settings

log = logging.getLogger(__name__)

AUTH_COOKIE = "cc_auth"
SESSION_COOKIE = "cc_session"
LOGIN_TTL_S = 12 * 3600
SESSION_TTL_S = 365 * 24 * 3600

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def session_secret(settings: Settings) -> bytes:
    """The signing secret: the configured one, else one generated once and kept under home."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value().encode()
    path = settings.home / "session_secret"
    if not path.exists():
        settings.home.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
        log.info("generated a session secret in %s", path)
    return path.read_text().strip().encode()


@dataclass(frozen=True)
class Login:
    """A logged-in staff member as the cookie says."""

    name: str
    role: str


class CookieSigner:
    """Signs and checks small JSON payloads; a bad signature or an expired token reads as None."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, body: bytes) -> str:
        digest = hmac.new(self._secret, body, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def sign_login(self, login: Login, ttl_s: int = LOGIN_TTL_S) -> str:
        payload = {"u": login.name, "r": login.role, "exp": int(time.time()) + ttl_s}
        body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
        return f"{body}.{self._mac(body.encode())}"

    def read_login(self, token: str | None) -> Login | None:
        if not token or "." not in token:
            return None
        body, mac = token.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(body.encode())):
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except ValueError:
            return None
        if not isinstance(payload, dict) or payload.get("exp", 0) < time.time():
            return None
        return Login(name=str(payload.get("u", "")), role=str(payload.get("r", "")))


def cookies_of(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """The cookies of raw ASGI headers."""
    jar: SimpleCookie = SimpleCookie()
    for key, value in headers:
        if key.lower() == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is the client's problem
                continue
    return {name: morsel.value for name, morsel in jar.items()}


def cookie_of(request: Any, name: str) -> str | None:
    """A cookie of a Starlette or Gradio request (Gradio wraps cookies in its own object)."""
    if request is None:
        return None
    try:
        return dict(request.cookies).get(name)
    except AttributeError:
        return None


def set_cookie_header(name: str, value: str, max_age: int) -> tuple[bytes, bytes]:
    cookie = f"{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax"
    return (b"set-cookie", cookie.encode("latin-1"))


class RoleGuard:
    """ASGI middleware: protected prefixes need a login of their role; browsers get a session."""

    def __init__(
        self, app: ASGIApp, signer: CookieSigner, protected: dict[str, frozenset[str]]
    ) -> None:
        self.app = app
        self.signer = signer
        self.protected = protected  # path prefix -> roles allowed there

    def roles_for(self, path: str) -> frozenset[str] | None:
        for prefix, roles in self.protected.items():
            if path == prefix or path.startswith(prefix + "/"):
                return roles
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        cookies = cookies_of(scope.get("headers", []))
        roles = self.roles_for(scope.get("path", ""))
        if roles is not None:
            login = self.signer.read_login(cookies.get(AUTH_COOKIE))
            if login is None or login.role not in roles:
                await self._refuse(scope, send, login, "/".join(sorted(roles)))
                return
        if scope["type"] != "http" or SESSION_COOKIE in cookies:
            await self.app(scope, receive, send)
            return
        header = set_cookie_header(SESSION_COOKIE, secrets.token_urlsafe(18), SESSION_TTL_S)

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        await self.app(scope, receive, send_with_session)

    async def _refuse(self, scope: Scope, send: Send, login: Login | None, role: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4401})
            return
        path = scope.get("path", "")
        accept = dict(scope.get("headers", [])).get(b"accept", b"").decode("latin-1")
        if login is None and scope.get("method") == "GET" and "text/html" in accept:
            location = f"/login?next={quote(path)}"
            await _respond(send, 303, b"", [(b"location", location.encode())])
            return
        status = 401 if login is None else 403
        detail = {
            "error": "login required" if login is None else f"the {role} role is required",
            "error_zh": "请先登录" if login is None else f"需要{role}角色",
        }
        await _respond(
            send, status, json.dumps(detail).encode(), [(b"content-type", b"application/json")]
        )


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def login_page(template: Path, *, next_path: str, error: str = "") -> str:
    """The login form with the target page and an error message filled in (HTML-escaped)."""
    from html import escape
    from string import Template

    return Template(template.read_text(encoding="utf-8")).substitute(
        next=escape(next_path, quote=True), error=escape(error)
    )
