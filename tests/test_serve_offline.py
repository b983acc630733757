"""``careercoach serve`` reaches nothing outside this machine (issue 15, "offline means offline").

A real ``serve`` runs with a socket guard (``tests/fixtures/netguard/sitecustomize.py``) that
logs and refuses every name lookup and connection outside the loopback range; the test starts
it without ``GRADIO_ANALYTICS_ENABLED`` or ``HF_HUB_OFFLINE`` in the environment (the product
must set what Gradio needs itself), loads every page and the API, logs a counselor in, and then
reads the guard's log, which must be empty. The first start indexes the small test knowledge
base, so the embedding model's loading is covered too.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import httpx
import pytest

from bot.settings import Settings
from bot.store import Store
from tests.local_server import free_port, running

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
GUARD = Path(__file__).resolve().parent / "fixtures" / "netguard"
KB = Path(__file__).resolve().parent / "fixtures" / "ui" / "kb"
PASSWORD = "offline-test-password-1"


def test_serve_makes_no_outbound_connection(tmp_path: Path) -> None:
    home, log = tmp_path / "home", tmp_path / "netguard.log"
    with Store(Settings(home=home)) as store:
        store.add_user("li", "counselor", PASSWORD)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "CAREERCOACH_", "GRADIO_", "HF_"))
    }
    env.update(
        PYTHONPATH=os.pathsep.join([str(GUARD), str(REPO)]),
        CAREERCOACH_NETGUARD_LOG=str(log),
        CAREERCOACH_HOME=str(home),
        CAREERCOACH_STARTER_KB_DIR=str(KB),
        ANONYMIZED_TELEMETRY="False",  # Chroma's telemetry: the knowledge base's to switch off
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "bot", "serve", "--port", str(port), "--offline"]
    with (
        running(
            command,
            f"{url}/api/health",
            "careercoach serve",
            timeout_s=300,
            env=env,
            cwd=REPO,
            log=tmp_path / "serve.log",
        ),
        httpx.Client(base_url=url, timeout=120, follow_redirects=False) as http,
    ):
        assert "window.gradio_config" in http.get("/", headers={"accept": "text/html"}).text
        for path in ("/config", "/theme.css", "/api/docs", "/login", "/manifest.json"):
            assert http.get(path).status_code == 200, path
        answer = http.post("/api/chat", json={"message": "一次性求职补贴发给哪些人？"})
        assert answer.status_code == 200 and answer.json()["citations"]
        form = http.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        data = {"username": "li", "password": PASSWORD, "next": "", "csrf": token}
        assert http.post("/login", data=data).status_code == 303
        assert http.get("/counselor/", headers={"accept": "text/html"}).status_code == 200
        assert http.get("/counselor/export?fmt=csv").status_code == 200
    assert (tmp_path / "serve.log").exists()
    attempts = log.read_text(encoding="utf-8") if log.exists() else ""
    assert attempts == "", f"serve tried to reach the network:\n{attempts[:3000]}"
