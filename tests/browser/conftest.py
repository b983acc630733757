"""A real ``careercoach serve`` on 127.0.0.1 with a temporary home, and Debian's Chromium.

The server indexes the small knowledge base under ``tests/fixtures/ui/kb`` on first start (the
product's own first-start path) and answers offline. Two staff accounts are created in its
database beforehand; one server serves every browser test (each test seeds its own data and
finds it by its own words). Chromium is the system one (``/usr/bin/chromium``); the tests skip
when it is missing and never download a browser. The accessibility check runs axe-core from the
local npm copy ``tests/browser/node_modules`` (``scripts/test.sh`` installs it), never a CDN.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from bot.store import Store
from tests.local_server import free_port, running

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "ui"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-test-password-1"
START_TIMEOUT_S = 300
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


class LiveServer:
    def __init__(self, url: str, home: Path, log: Path) -> None:
        self.url = url
        self.home = home
        self.log = log


@contextmanager
def serving(home: Path, extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """``careercoach serve`` over the fixture knowledge base with two staff accounts;
    offline unless ``extra_env`` names an endpoint."""
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
        **(extra_env or {}),
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = home.parent / "serve.log"
    command = [sys.executable, "-m", "bot", "serve", "--port", str(port)]
    if not extra_env:
        command.append("--offline")
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
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serving(tmp_path_factory.mktemp("browser") / "home") as server:
        yield server


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ``$UI_SCREENSHOTS_DIR`` (docs/screenshots when refreshing the
    repository's), else a temporary folder."""
    configured = os.environ.get("UI_SCREENSHOTS_DIR")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def expect() -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def upload_file(page: Any, path: Path) -> None:
    """Put ``path`` into the maintainer console's upload box and wait until it is uploaded: the
    box is cleared first, so the file's link (its URL ends with the name) is the new upload's."""
    box = page.locator("#upload")
    clear = box.get_by_role("button", name="Clear")
    if clear.count():
        clear.click()
    link = box.locator(f"a[href$='/{path.name}']")
    expect()(link).to_have_count(0)
    box.locator("input[type=file]").set_input_files(str(path))
    expect()(link).to_have_count(1, timeout=30_000)


def refresh_index(page: Any, timeout_ms: int = 180_000) -> str:
    """Click the maintainer console's refresh and wait for its result: a status naming an index
    generation other than the one shown before (an earlier result may still be on screen)."""
    status = page.locator("#refresh-status")
    before = re.search(r"index generation (\d+)", status.inner_text())
    page.locator("#refresh").click()
    page.wait_for_function(
        """(before) => {
            const text = document.querySelector("#refresh-status")?.innerText || "";
            const found = text.match(/refresh done[\\s\\S]*index generation (\\d+)/);
            return found !== null && found[1] !== before;
        }""",
        arg=before.group(1) if before else "",
        timeout=timeout_ms,
    )
    return str(status.inner_text())


def login(browser: Any, server: LiveServer, name: str, page_path: str, **context: Any) -> Any:
    """A new browser context signed in as ``name`` on ``page_path``."""
    options = {"viewport": {"width": 1280, "height": 900}, **context}
    page = browser.new_context(**options).new_page()
    page.goto(server.url + page_path)
    page.wait_for_selector("#username")
    assert "/login?next=" in page.url
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"**{page_path}")
    return page


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it stands."""
    if not AXE.is_file():
        pytest.skip(f"{AXE} is missing (scripts/test.sh installs axe-core with npm)")
    page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluate: not subject to the page's CSP
    # Gradio fades a component that has just been updated back in (its opacity climbs to 1);
    # axe's contrast check run mid-fade measures a lighter colour than the page settles on. So
    # the finite animations and transitions finish first (a spinner's infinite one is left out).
    found = page.evaluate(
        """async () => {
            const finite = document.getAnimations().filter(
                (a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
            await Promise.race([
                Promise.allSettled(finite.map((a) => a.finished)),
                new Promise((done) => setTimeout(done, 10000)),
            ]);
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map((n) => n.html.slice(0, 200)),
                why: v.nodes[0].failureSummary.slice(0, 300),
            }));
        }"""
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


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
