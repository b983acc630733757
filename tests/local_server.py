"""Start a real server process on 127.0.0.1 for a test and stop it afterwards."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(command: list[str], health_url: str, name: str, *, tries: int = 300) -> Iterator[None]:
    """Run ``command`` until the block ends; fail the test if ``health_url`` never answers 200."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(tries):
            if proc.poll() is not None:
                pytest.fail(f"{name} exited with status {proc.returncode} before it was ready")
            try:
                if httpx.get(health_url, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail(f"{name} did not start")
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=20)
