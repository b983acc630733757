"""Helpers for HTTP tests: run an ASGI app on 127.0.0.1 in a thread, log in through the form."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

PASSWORD = "a-long-enough-password-1"


@contextmanager
def running_app(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free port until the block ends; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", proxy_headers=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def form_token(http: httpx.Client) -> str:
    """The login form's CSRF field (its cookie lands in the client's jar)."""
    page = http.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:300]
    return found.group(1)


def login(
    http: httpx.Client, name: str, password: str = PASSWORD, **headers: str
) -> httpx.Response:
    token = form_token(http)
    data = {"username": name, "password": password, "next": "", "csrf": token}
    return http.post("/login", data=data, headers=headers or None)


def csrf_headers(http: httpx.Client) -> dict[str, str]:
    """What the page script adds to a staff page's own POSTs."""
    return {"x-csrf-token": http.cookies["cc_csrf"], "sec-fetch-site": "same-origin"}
