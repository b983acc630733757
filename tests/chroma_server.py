"""A real ``chroma run`` server on 127.0.0.1 for the tests that share vectors through one."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.local_server import free_port, running

CHROMA = REPO / ".venv" / "bin" / "chroma"


@contextmanager
def chroma_server(folder: Path) -> Iterator[str]:
    """Run ``chroma run`` on a free port with its data in ``folder``; yields its URL."""
    exe = CHROMA if CHROMA.exists() else shutil.which("chroma")
    if exe is None:
        pytest.skip("the chroma CLI is not installed")
    port = free_port()
    command = [str(exe), "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with running(command, f"{url}/api/v2/heartbeat", "chroma run", timeout_s=60):
        yield url
