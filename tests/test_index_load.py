"""Graduates chatting with a real ``careercoach serve`` while maintainers refresh the index from
another process get no error and no dropped connection, and the server answers from each new
generation within seconds (issue 14: 7 HTTP 500 and 6 dropped connections before).

Vectors come from the OpenAI-compatible stand-in (``evals.embedding_standin``) on 127.0.0.1, so
the server embeds queries through its real client path without loading a model."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import FIXTURES, REPO
from tests.local_server import free_port, running

QUESTIONS = [
    "三支一扶是什么？",
    "创业担保贷款怎么申请？",
    "低保家庭毕业生有补贴吗？",
    "西部计划服务期多久？",
]
GRADUATES = 6
REFRESHES = 4


@pytest.fixture
def standin() -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "evals.embedding_standin", "--port", str(port)]
    with running(command, f"http://127.0.0.1:{port}/health", "embedding stand-in", cwd=REPO):
        yield f"http://127.0.0.1:{port}/v1"


def graduate(url: str, stop: threading.Event, errors: list[str], done: list[int]) -> None:
    with httpx.Client(base_url=url, timeout=120) as http:
        i = 0
        while not stop.is_set():
            try:
                answer = http.post("/api/chat", json={"message": QUESTIONS[i % len(QUESTIONS)]})
                if answer.status_code != 200:
                    errors.append(f"{answer.status_code}: {answer.text[:200]}")
                else:
                    done.append(1)
            except httpx.HTTPError as error:  # a dropped connection counts as an error
                errors.append(f"{type(error).__name__}: {error}")
            i += 1


@pytest.mark.slow
def test_no_error_while_the_index_is_refreshed(tmp_path: Path, standin: str) -> None:
    corpus = tmp_path / "kb"
    shutil.copytree(FIXTURES / "index" / "policies", corpus)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREERCOACH_")}
    env.update(
        CAREERCOACH_HOME=str(tmp_path / "home"),
        CAREERCOACH_STARTER_KB_DIR=str(corpus),
        CAREERCOACH_EMBEDDING_PROVIDER="openai",
        CAREERCOACH_EMBEDDING_BASE_URL=standin,
        CAREERCOACH_EMBEDDING_MODEL="standin",
        # every simulated graduate comes from 127.0.0.1: one address may run them all at once
        CAREERCOACH_MAX_ANSWERS_PER_CLIENT=str(GRADUATES),
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "bot", "serve", "--offline", "--port", str(port)]
    log = tmp_path / "serve.log"
    with running(command, f"{url}/api/health", "careercoach serve", timeout_s=180, env=env,
                 cwd=REPO, log=log):  # fmt: skip
        assert httpx.get(f"{url}/api/health").json()["documents"] == 4
        stop = threading.Event()
        errors: list[str] = []
        done: list[int] = []
        threads = [
            threading.Thread(target=graduate, args=(url, stop, errors, done))
            for _ in range(GRADUATES)
        ]
        for t in threads:
            t.start()
        try:
            for n in range(REFRESHES):
                (corpus / f"notice-{n}.md").write_text(
                    f"# 补充通知第{n}号\n\n第{n}批就业见习岗位已发布，请高校毕业生及时报名。\n",
                    encoding="utf-8",
                )
                refreshed = subprocess.run(
                    [sys.executable, "-m", "bot", "kb", "refresh", str(corpus)],
                    env=env, cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
                )  # fmt: skip
                assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
                deadline = time.monotonic() + 60
                while httpx.get(f"{url}/api/health").json()["documents"] != 5 + n:
                    assert time.monotonic() < deadline, "the server did not follow the refresh"
                    time.sleep(0.2)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=180)
        health = httpx.get(f"{url}/api/health").json()
    assert not errors, errors[:5]
    assert len(done) >= GRADUATES * 2, len(done)  # the load really ran during the refreshes
    assert health["status"] == "ok" and health["documents"] == 4 + REFRESHES
