"""A throw-away PostgreSQL server on 127.0.0.1 for the store tests.

Debian's ``initdb``/``pg_ctl`` refuse to run as root, so as root they run as the ``postgres``
user (``runuser``) in a temporary folder that user owns; as anyone else they run directly. The
server listens on a free loopback port with trust authentication and durability turned off
(fsync, synchronous commit) since its data dies with the test session. Each test gets its own
database from :meth:`PostgresServer.new_database`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path

import pytest


def find_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` holding a server, or the one on PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if candidates:
        return Path(candidates[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A running server; ``url(name)`` is a SQLAlchemy URL for one of its databases."""

    def __init__(self, bindir: Path, folder: Path, port: int, prefix: list[str]) -> None:
        self.bindir = bindir
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self._prefix = prefix
        self._numbers = count(1)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._prefix, *args], capture_output=True, text=True, timeout=120, check=False
        )

    def start(self) -> None:
        done = self._run(
            str(self.bindir / "initdb"),
            "-D", str(self.data),
            "-U", "postgres",
            "--auth=trust",
            "-E", "UTF8",
            "--locale=C",
            "--no-sync",
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()}")
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        done = self._run(
            str(self.bindir / "pg_ctl"),
            "-D", str(self.data),
            "-o", options,
            "-l", str(self.folder / "server.log"),
            "-w", "-t", "60",
            "start",
        )  # fmt: skip
        if done.returncode:
            log = (self.folder / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()}\n{log}")

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_database(self) -> str:
        """Create an empty database and return its URL."""
        name = f"careercoach_test_{os.getpid()}_{next(self._numbers)}"
        # FILE_COPY (PostgreSQL 15+) is about twice as fast as the default for tiny databases
        version = self.bindir.parent.name
        strategy = " STRATEGY FILE_COPY" if version.isdigit() and int(version) >= 15 else ""
        self._admin(f'CREATE DATABASE "{name}"{strategy}')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def running_server() -> Iterator[PostgresServer]:
    """Start a server for the duration of the block; skip the test when that cannot be done."""
    bindir = find_bindir()
    if bindir is None or not (bindir / "initdb").exists():
        pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e '.[dev]')")
    folder = Path(tempfile.mkdtemp(prefix="careercoach-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder, ignore_errors=True)
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        os.chown(folder, account.pw_uid, account.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    os.chmod(folder, 0o700)
    server = PostgresServer(bindir, folder, _free_port(), prefix)
    try:
        server.start()
    except (RuntimeError, subprocess.TimeoutExpired) as failure:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {failure}")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
