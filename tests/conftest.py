"""Fixtures every test gets: a private home, no provider keys, and no way out to the network.

Any attempt to connect to an address outside the loopback range fails loudly, so a test cannot
reach the internet by accident (the scripted LLM server and real database servers listen on
127.0.0.1 and stay reachable).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class NetworkBlocked(RuntimeError):
    """Raised when a test tries to reach anything but this machine."""


def _check_address(address: object) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host in {"localhost", ""}:
            return
        try:
            if ipaddress.ip_address(host.split("%")[0]).is_loopback:
                return
        except ValueError:
            pass
        raise NetworkBlocked(f"test tried to connect to {address!r}")
    # AF_UNIX paths are local


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check_address(address)
    return _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check_address(address)
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_ORG_ID",
        "CAREERCOACH_OPENAI_API_KEY",
        "CAREERCOACH_OPENAI_BASE_URL",
        "CAREERCOACH_CHROMA_URL",
        "CAREERCOACH_DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CAREERCOACH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with everything under the test's own folder, in offline mode."""
    return Settings(home=tmp_path / "home")


@pytest.fixture
def shared_corpus() -> Path:
    """The reference corpus beside the repository; tests needing it skip where it is absent."""
    if not SHARED_CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present (fresh clone)")
    return SHARED_CORPUS


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A real PostgreSQL server on 127.0.0.1 for the whole run (skips without the binaries)."""
    from tests.pg import running_server

    with running_server() as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLAlchemy URL to an empty database: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    server = request.getfixturevalue("postgres_server")
    url = server.new_database()
    yield url
    server.drop_database(url)


@pytest.fixture(scope="session")
def eval_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One evaluation workspace for the whole run: each knowledge folder (the starter documents,
    the safety folder …) is indexed once, with one embedding cache, however many slow tests
    (the eval gate, the README examples) ask questions of it. Tests only read it."""
    from evals.workspace import Workspace

    settings = Settings(home=tmp_path_factory.mktemp("eval-home"), offline=True)
    with Workspace(settings) as shared:
        yield shared
