"""``/login``, ``/logout`` and ``/whoami``: staff sign-in on server-side sessions.

The login form is protected against cross-site submission by an origin check and a form field
that must be the HMAC of a short-lived HttpOnly cookie set with the form (a signed double
submit). A successful login opens a store session (``cc_auth``) and sets its CSRF token
(``cc_csrf``). Password checks run in worker threads limited to the store's hashing bound, so
waiting logins hold no server thread. A throttled login answers 429 with ``Retry-After``; every
failure is logged by the store and listed for maintainers (:func:`failure_rows`).

Logging out ends the store session. ``GET /logout`` does it at once when the browser says the
click came from this site (``Sec-Fetch-Site: same-origin``); otherwise it shows a button that
posts the CSRF token, so another site cannot log a counselor out.
"""

from __future__ import annotations

import hmac
import logging
from datetime import timedelta
from html import escape
from pathlib import Path
from string import Template
from typing import Any

import anyio
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.errors import AuthError, LoginThrottled
from bot.resources import package_path
from ui.auth import (
    AUTH_COOKIE,
    CSRF_COOKIE,
    Signer,
    cookie_header,
    cookie_secure,
    new_nonce,
)
from ui.csrf import cross_site_refusal, request_origin_ok
from ui.services import Services

log = logging.getLogger(__name__)

STAFF_SHELL = package_path("ui", "templates", "staff.html")  # the page both forms sit in
LOGIN_TEMPLATE = package_path("ui", "templates", "login.html")
LOGOUT_TEMPLATE = package_path("ui", "templates", "logout.html")
FORM_COOKIE = "cc_login"
FORM_TTL_S = 3600
HOME_OF_ROLE = {"counselor": "/counselor/", "maintainer": "/maintainer/"}


def safe_next(path: str, role: str) -> str:
    """Only local paths, so the login form cannot be used to redirect elsewhere."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return HOME_OF_ROLE.get(role, "/")


def _page(template: Path, title: str, **values: str) -> str:
    """``template`` (a form) filled with the escaped ``values``, inside the staff page shell."""
    escaped = {k: escape(v, quote=True) for k, v in values.items()}
    body = Template(template.read_text(encoding="utf-8")).substitute(escaped)
    shell = Template(STAFF_SHELL.read_text(encoding="utf-8"))
    return shell.substitute(title=escape(title), body=body)


def _set(response: Response, header: tuple[bytes, bytes]) -> None:
    response.raw_headers.append(header)


def _expire(response: Response, name: str, secure: bool) -> None:
    _set(response, cookie_header(name, "", 0, secure=secure, http_only=name != CSRF_COOKIE))


def failure_rows(services: Services, days: int = 7) -> list[list[Any]]:
    """Recent failed logins (name, client, count, first, last) for the maintainer console."""
    return [
        [
            f.name,
            f.client or "—",
            f.failures,
            f"{f.first_at:%Y-%m-%d %H:%M}",
            f"{f.last_at:%Y-%m-%d %H:%M}",
        ]
        for f in services.store.login_failures(timedelta(days=days))
    ]


def add_login_routes(app: FastAPI, services: Services, signer: Signer) -> None:
    store = services.store
    policy = services.settings.cookie_secure
    hashing = anyio.CapacityLimiter(services.settings.max_concurrent_password_hashes)

    def form_page(request: Request, next_path: str, error: str = "", status: int = 200) -> Any:
        nonce = signer.unsign("login-form", request.cookies.get(FORM_COOKIE)) or new_nonce()
        body = _page(
            LOGIN_TEMPLATE,
            "登录 / Sign in",
            next=next_path,
            error=error,
            csrf=signer.mac("login", nonce),
        )
        response = HTMLResponse(body, status)
        secure = cookie_secure(request.scope, policy)
        signed = signer.sign("login-form", nonce)
        _set(
            response,
            cookie_header(FORM_COOKIE, signed, FORM_TTL_S, secure=secure, same_site="Strict"),
        )
        return response

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = "") -> Any:
        return form_page(request, next[:500])

    @app.post("/login", include_in_schema=False)
    async def login(
        request: Request,
        username: str = Form("", max_length=200),
        password: str = Form("", max_length=1000),
        next: str = Form("", max_length=500),
        csrf: str = Form("", max_length=200),
    ) -> Any:
        nonce = signer.unsign("login-form", request.cookies.get(FORM_COOKIE))
        expected = signer.mac("login", nonce) if nonce else ""
        if not (
            request_origin_ok(request.scope) and expected and hmac.compare_digest(csrf, expected)
        ):
            text = "登录表单已过期，请重新提交 / The form expired; please sign in again"
            return form_page(request, next, text, 403)
        client = request.client.host if request.client else ""
        try:
            user = await anyio.to_thread.run_sync(
                store.authenticate, username.strip(), password, client, limiter=hashing
            )
        except LoginThrottled as throttled:
            text = f"{throttled.message_zh} / {throttled.message}"
            response = form_page(request, next, text, 429)
            response.headers["retry-after"] = str(throttled.retry_after_s)
            return response
        except AuthError as error:
            return form_page(request, next, f"{error.message_zh} / {error.message}", 401)
        token = await anyio.to_thread.run_sync(store.open_staff_session, user.name, client)
        target = safe_next(next, user.role) if next else HOME_OF_ROLE[user.role]
        response = RedirectResponse(target, status_code=303)
        secure = cookie_secure(request.scope, policy)
        lifetime = int(services.settings.staff_session_hours * 3600)
        _set(response, cookie_header(AUTH_COOKIE, token, lifetime, secure=secure))
        csrf_cookie = cookie_header(
            CSRF_COOKIE,
            signer.csrf_for(token),
            lifetime,
            secure=secure,
            http_only=False,
            same_site="Strict",
        )
        _set(response, csrf_cookie)
        _expire(response, FORM_COOKIE, secure)
        log.info("%s logged in as %s from %s", user.name, user.role, client or "-")
        return response

    def end_session(request: Request) -> Response:
        token = request.cookies.get(AUTH_COOKIE)
        store.close_staff_session(token)
        response = RedirectResponse("/", status_code=303)
        secure = cookie_secure(request.scope, policy)
        _expire(response, AUTH_COOKIE, secure)
        _expire(response, CSRF_COOKIE, secure)
        return response

    @app.get("/logout", include_in_schema=False)
    def logout_page(request: Request) -> Response:
        token = request.cookies.get(AUTH_COOKIE)
        if not token or store.staff_session(token) is None:
            return RedirectResponse("/", status_code=303)
        if request.headers.get("sec-fetch-site") == "same-origin":
            return end_session(request)
        return HTMLResponse(
            _page(LOGOUT_TEMPLATE, "退出登录 / Sign out", csrf=signer.csrf_for(token))
        )

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: str = Form("", max_length=200)) -> Response:
        token = request.cookies.get(AUTH_COOKIE)
        if token and not (
            request_origin_ok(request.scope) and hmac.compare_digest(csrf, signer.csrf_for(token))
        ):
            return cross_site_refusal()
        return end_session(request)

    @app.get("/whoami", include_in_schema=False)
    def whoami(request: Request) -> dict[str, Any]:
        login = store.staff_session(request.cookies.get(AUTH_COOKIE))
        return {"name": login.name, "role": login.role} if login else {"name": None}
