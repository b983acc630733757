"""Start a real server process on 127.0.0.1 for a test and stop it afterwards."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(
    command: list[str],
    health_url: str,
    name: str,
    *,
    timeout_s: float = 30.0,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    log: Path | None = None,
) -> Iterator[None]:
    """Run ``command`` until the block ends; fail the test if ``health_url`` never answers 200.

    With ``log``, the server's output goes there and its tail is shown when it fails to start.
    """
    with (log or Path(os.devnull)).open("w") as out:  # the child keeps its own copy
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)

    def tail() -> str:
        return f":\n{log.read_text()[-3000:]}" if log else ""

    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{name} exited with status {proc.returncode}{tail()}")
            try:
                if httpx.get(health_url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{name} did not start{tail()}")
            time.sleep(0.1)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
