"""Cross-site request forgery: where a state-changing request may come from, and the page script.

Two checks, both required for a state-changing staff request (the role guard applies them):

- **Origin.** The browser says where a request comes from: ``Sec-Fetch-Site`` (Chromium,
  Firefox, Safari since 2023) must be ``same-origin`` or ``none`` (typed by the user); without it,
  ``Origin`` — or failing that ``Referer`` — must name this host. A request carrying none of the
  three is not from a browser page and passes this check (it still needs the token).
- **Token.** ``X-CSRF-Token`` must equal the HMAC of the staff session's token
  (``ui/auth.Signer.csrf_for``), which only a page of this origin can read, from the
  ``cc_csrf`` cookie. :data:`CSRF_SCRIPT` (served at :data:`SCRIPT_PATH`, loaded first by the
  staff pages) adds the header to every same-origin ``fetch`` and ``XMLHttpRequest`` that is not
  a GET, which is how Gradio's own requests carry it.

The login form uses the same origin check plus a form field bound to a short-lived cookie
(``ui/login.py``), since there is no session yet.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse

CSRF_HEADER = b"x-csrf-token"
SCRIPT_PATH = "/cc/csrf.js"

CSRF_SCRIPT = r"""(function () {
  "use strict";
  function token() {
    var m = document.cookie.match(/(?:^|;\s*)cc_csrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function sameOrigin(url) {
    try { return new URL(url, window.location.href).origin === window.location.origin; }
    catch (e) { return false; }
  }
  function unsafe(method) { return !/^(GET|HEAD|OPTIONS)$/i.test(method || "GET"); }
  var originalFetch = window.fetch;
  window.fetch = function (input, init) {
    var isRequest = typeof Request !== "undefined" && input instanceof Request;
    var method = (init && init.method) || (isRequest ? input.method : "GET");
    var url = isRequest ? input.url : String(input);
    if (unsafe(method) && sameOrigin(url)) {
      var headers = new Headers((init && init.headers) || (isRequest ? input.headers : undefined));
      headers.set("X-CSRF-Token", token());
      init = Object.assign({}, init || {}, { headers: headers });
    }
    return originalFetch.call(this, input, init);
  };
  var open = XMLHttpRequest.prototype.open;
  var send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.__ccCsrf = unsafe(method) && sameOrigin(url);
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    if (this.__ccCsrf) { this.setRequestHeader("X-CSRF-Token", token()); }
    return send.apply(this, arguments);
  };
})();
"""


def _header(scope: MutableMapping[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1")).strip()
    return ""


def request_origin_ok(scope: MutableMapping[str, Any]) -> bool:
    """True unless the browser says the request comes from another site."""
    fetch_site = _header(scope, b"sec-fetch-site").lower()
    if fetch_site:
        return fetch_site in ("same-origin", "none")
    source = _header(scope, b"origin") or _header(scope, b"referer")
    if not source:
        return True  # not a page of a browser: the token alone decides
    if source == "null":
        return False
    host = _header(scope, b"host").lower()
    return bool(host) and urlsplit(source).netloc.lower() == host


CROSS_SITE = ("cross-site request refused", "已拒绝跨站请求")  # every cross-site 403 says this


def cross_site_refusal() -> JSONResponse:
    """The 403 the routes answer a cross-site request with."""
    return JSONResponse({"error": CROSS_SITE[0], "error_zh": CROSS_SITE[1]}, status_code=403)


def cross_site(request: Request) -> JSONResponse | None:
    """403 for a request another site's page sent (the graduate routes have no CSRF token, as
    graduates have no login), else None."""
    return None if request_origin_ok(request.scope) else cross_site_refusal()
