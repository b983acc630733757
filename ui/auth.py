"""Who is asking: staff sessions, the role guard, CSRF, and anonymous graduate sessions.

A counselor or maintainer logs in on ``/login`` (``ui/login.py``); the store opens a server-side
session and the browser gets its random token in ``cc_auth`` (HttpOnly) plus, in ``cc_csrf``,
that token's CSRF token (an HMAC under the shared secret, readable by the page's script).
:class:`RoleGuard` is a plain ASGI middleware in front of everything:

- every request under a protected prefix (``/counselor``, ``/maintainer``) needs a live staff
  session of the right role, looked up in the store on each request (so logout, a password
  change and ``careercoach users remove`` take effect at once); a page load without one is
  redirected to the login form, anything else gets 401/403 — before Gradio sees it, so the
  queue, upload and file routes are covered too;
- every state-changing request there (any method but GET/HEAD/OPTIONS) must also come from this
  origin (``ui/csrf.py``) and carry ``X-CSRF-Token`` equal to the session's CSRF token; the pages
  load ``/cc/csrf.js``, which adds the header to their own requests;
- every browser gets a graduate session id in ``cc_session``: issued here (256 random bits),
  signed, HttpOnly, one year. Its checked id is put in the request state
  (:func:`graduate_session_id`), so the graduate chat only ever reads a conversation by an id
  this server issued; a forged or foreign id is replaced by a new one.

Cookies are ``Secure`` when ``settings.cookie_secure`` says so ('auto': the request came over
HTTPS, directly or through a trusted proxy). Passwords, throttling and sessions' storage are the
store's business, not this module's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol
from urllib.parse import quote

import anyio

from bot.store.models import StaffLogin
from bot.store.store import new_session_id
from ui.csrf import CROSS_SITE, CSRF_HEADER, request_origin_ok

log = logging.getLogger(__name__)

AUTH_COOKIE = "cc_auth"
CSRF_COOKIE = "cc_csrf"
SESSION_COOKIE = "cc_session"
SESSION_TTL_S = 365 * 24 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STATE_STAFF = "careercoach_staff"  # request state: the StaffLogin of a protected request
STATE_SESSION = "careercoach_session"  # request state: the checked graduate session id

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Signer:
    """HMAC-SHA256 under the shared secret: signed values and CSRF tokens, by purpose."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def mac(self, purpose: str, value: str) -> str:
        digest = hmac.new(self._secret, f"{purpose}\x00{value}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")

    def sign(self, purpose: str, value: str) -> str:
        return f"{value}.{self.mac(purpose, value)}"

    def unsign(self, purpose: str, signed: str | None) -> str | None:
        """The value of a signed string, or None when the signature does not match."""
        if not signed or "." not in signed or len(signed) > 512:
            return None
        value, mac = signed.rsplit(".", 1)
        return value if hmac.compare_digest(mac, self.mac(purpose, value)) else None

    def csrf_for(self, staff_token: str) -> str:
        return self.mac("csrf", staff_token)


class StaffDirectory(Protocol):
    def staff_session(self, token: str | None) -> StaffLogin | None: ...


def cookie_secure(scope: Scope, policy: str) -> bool:
    """Whether cookies set in answer to this request get the Secure attribute."""
    if policy == "always":
        return True
    if policy == "never":
        return False
    return scope.get("scheme") in ("https", "wss")


def cookie_header(
    name: str,
    value: str,
    max_age: int,
    *,
    secure: bool,
    http_only: bool = True,
    same_site: str = "Lax",
) -> tuple[bytes, bytes]:
    parts = [f"{name}={value}", "Path=/", f"Max-Age={max_age}", f"SameSite={same_site}"]
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    return (b"set-cookie", "; ".join(parts).encode("latin-1"))


def cookies_of(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """The cookies of raw ASGI headers (the first of a repeated name wins)."""
    found: dict[str, str] = {}
    for key, value in headers:
        if key.lower() != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            name, sep, content = part.strip().partition("=")
            if sep and name and name not in found:
                found[name] = content.strip().strip('"')
    return found


def cookie_of(request: Any, name: str) -> str | None:
    """A cookie of a Starlette or Gradio request (Gradio wraps cookies in its own object)."""
    if request is None:
        return None
    try:
        return dict(request.cookies).get(name)
    except AttributeError:
        return None


def _state_of(request: Any, key: str) -> Any:
    if request is None:
        return None
    try:
        state = request.state
    except AttributeError:
        return None
    return getattr(state, key, None)


def graduate_session_id(request: Any) -> str | None:
    """The graduate session id this server issued to the browser of ``request`` (or None)."""
    value = _state_of(request, STATE_SESSION)
    return value if isinstance(value, str) else None


def staff_login_of(request: Any) -> StaffLogin | None:
    """The staff login the guard found for ``request`` (protected paths only)."""
    value = _state_of(request, STATE_STAFF)
    return value if isinstance(value, StaffLogin) else None


def staff_name(request: Any) -> str | None:
    """The logged-in staff member's name: the guard's login for a route's request, Gradio's
    ``username`` (from the auth hook, which reads the same login) for a page event."""
    login = staff_login_of(request)
    if login is not None:
        return login.name
    name = getattr(request, "username", None) if request is not None else None
    return str(name) if name else None


class RoleGuard:
    """ASGI middleware: roles on protected prefixes, CSRF there, graduate session cookies."""

    def __init__(
        self,
        app: ASGIApp,
        signer: Signer,
        staff: StaffDirectory,
        protected: dict[str, frozenset[str]],
        cookie_policy: str = "auto",
    ) -> None:
        self.app = app
        self.signer = signer
        self.staff = staff
        self.protected = protected  # path prefix -> roles allowed there
        self.cookie_policy = cookie_policy

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
        state = scope.setdefault("state", {})
        roles = self.roles_for(scope.get("path", ""))
        if roles is not None:
            token = cookies.get(AUTH_COOKIE)
            login = await anyio.to_thread.run_sync(self.staff.staff_session, token)
            if login is None or login.role not in roles:
                await self._refuse(scope, send, login, "/".join(sorted(roles)))
                return
            unsafe = scope["type"] == "http" and scope.get("method", "GET") not in SAFE_METHODS
            if unsafe and not self._csrf_ok(scope, token):
                await _json(send, 403, *CROSS_SITE)
                return
            state[STATE_STAFF] = login
        session = self.signer.unsign("session", cookies.get(SESSION_COOKIE))
        if scope["type"] != "http" or session is not None:
            state[STATE_SESSION] = session
            await self.app(scope, receive, send)
            return
        session = new_session_id()
        state[STATE_SESSION] = session
        header = cookie_header(
            SESSION_COOKIE,
            self.signer.sign("session", session),
            SESSION_TTL_S,
            secure=cookie_secure(scope, self.cookie_policy),
        )

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        await self.app(scope, receive, send_with_session)

    def _csrf_ok(self, scope: Scope, token: str | None) -> bool:
        if token is None or not request_origin_ok(scope):
            return False
        sent = dict(scope.get("headers", [])).get(CSRF_HEADER, b"").decode("latin-1")
        return bool(sent) and hmac.compare_digest(sent, self.signer.csrf_for(token))

    async def _refuse(self, scope: Scope, send: Send, login: StaffLogin | None, role: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4401})
            return
        path = scope.get("path", "")
        accept = dict(scope.get("headers", [])).get(b"accept", b"").decode("latin-1")
        if login is None and scope.get("method") == "GET" and "text/html" in accept:
            location = f"/login?next={quote(path)}"
            await _respond(send, 303, b"", [(b"location", location.encode())])
            return
        if login is None:
            await _json(send, 401, "login required", "请先登录")
        else:
            await _json(send, 403, f"the {role} role is required", f"需要{role}角色")


async def _json(send: Send, status: int, error: str, error_zh: str) -> None:
    body = json.dumps({"error": error, "error_zh": error_zh}, ensure_ascii=False).encode()
    await _respond(send, status, body, [(b"content-type", b"application/json")])


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def new_nonce() -> str:
    return secrets.token_urlsafe(18)
