"""A real ``careercoach serve`` on 127.0.0.1 with a temporary home, and Debian's Chromium.

The server indexes the small knowledge base under ``tests/fixtures/ui/kb`` on first start (the
product's own first-start path) and answers offline. Two staff accounts are created in its
database beforehand. Chromium is the system one (``/usr/bin/chromium``); the tests skip when it
is missing and never download a browser.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.store import Store
from tests.local_server import free_port, running

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "ui"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-test-password-1"
START_TIMEOUT_S = 300


class LiveServer:
    def __init__(self, url: str, home: Path, log: Path) -> None:
        self.url = url
        self.home = home
        self.log = log


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("browser") / "home"
    with Store(Settings(home=home)) as store:
        store.add_user("li", "counselor", PASSWORD)
        store.add_user("wang", "maintainer", PASSWORD)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CAREERCOACH_"))}
    env.update(
        CAREERCOACH_HOME=str(home),
        CAREERCOACH_STARTER_KB_DIR=str(FIXTURES / "kb"),
        ANONYMIZED_TELEMETRY="False",
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = home.parent / "serve.log"
    command = [sys.executable, "-m", "bot", "serve", "--port", str(port), "--offline"]
    with running(
        command,
        f"{url}/api/health",
        "careercoach serve",
        timeout_s=START_TIMEOUT_S,
        env=env,
        cwd=REPO,
        log=log,
    ):
        yield LiveServer(url, home, log)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip(f"{CHROMIUM} is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


# Playwright's own default is 5 s for every expectation and action; on a loaded 2-core machine
# a Gradio event round trip can take longer than that. Every wait here is on an event (an
# element, a text, a URL), so a longer ceiling costs nothing when things are quick.
EXPECT_TIMEOUT_MS = 30_000
ACTION_TIMEOUT_MS = 60_000


@pytest.fixture(scope="session", autouse=True)
def _patient_waits() -> None:
    try:
        from playwright.sync_api import expect
    except ImportError:  # the browser fixture skips the tests
        return
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(autouse=True)
def _patient_actions(request: pytest.FixtureRequest) -> Iterator[None]:
    """Contexts the test opens wait up to ACTION_TIMEOUT_MS for clicks, fills and navigations."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    original = browser.new_context

    def new_context(*args: object, **kwargs: object) -> object:
        context = original(*args, **kwargs)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
        return context

    browser.new_context = new_context
    try:
        yield
    finally:
        browser.new_context = original
