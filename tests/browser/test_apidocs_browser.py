"""In Debian's Chromium with every request off 127.0.0.1 refused: ``/api/docs`` draws the API's
operations from careercoach's own assets (the app runs in this process, with test services)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from bot.settings import Settings
from tests.ui_fakes import make_services
from ui.app import build_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(home=Path(tmp_path_factory.mktemp("apidocs")) / "home")
    services, _, _, store = make_services(settings)
    server = uvicorn.Server(
        uvicorn.Config(build_app(settings, services), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    store.close()


def test_swagger_ui_draws_the_operations_without_any_other_host(browser: Any, app_url: str) -> None:
    from playwright.sync_api import expect

    context = browser.new_context()
    refused: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(app_url + "/"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/api/docs")
        operation = page.locator(".opblock-summary-path", has_text="/api/health")
        expect(operation.first).to_be_visible()
        assert page.locator(".opblock").count() >= 2
        assert refused == []
    finally:
        context.close()
