"""Opening the database: the engine (SQLite in WAL mode, or PostgreSQL) and its migrations.

SQLite gets WAL journaling, foreign keys and a busy timeout on every connection, so the web app
and a CLI command can use the same file at once. Transactions are begun by SQLAlchemy, not by
the driver, so that :func:`writer` can begin them ``IMMEDIATE``: a transaction that reads and
then writes takes the write lock at its start and waits (busy timeout) for another writer,
instead of failing with "database is locked" when it first writes. The database file and its
folder are created private to the user (0600 / 0700). PostgreSQL is reached by URL
(``postgresql+psycopg://…``). Migrations are Alembic's, configured in code from the folder
``migrations/`` of this package, so no ``alembic.ini`` is needed at run time. Leaves out
connection-pool tuning beyond SQLAlchemy's defaults.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import ConfigError
from bot.resources import package_path

log = logging.getLogger(__name__)

MIGRATIONS = package_path("bot.store.migrations")


BUSY_TIMEOUT_S = 10

T = TypeVar("T")


class Write(Protocol):
    """Runs ``work`` in one write transaction, retried while the database is busy
    (``Store._write``); the store's parts that write take one."""

    def __call__(self, work: Callable[[Session], T], /) -> T: ...


class StorePart:
    """One part of the store (verified answers, knowledge gaps, evaluation jobs): it reads
    through ``sessions``, writes through the store's retried ``write`` and dates with ``clock``."""

    def __init__(
        self, sessions: sessionmaker[Session], write: Write, clock: Callable[[], datetime]
    ) -> None:
        self._sessions = sessions
        self._write = write
        self._clock = clock


BEGIN_OPTION = "careercoach_begin"  # execution option: "IMMEDIATE" for write transactions


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy's documented recipe: the driver issues no BEGIN of its own (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get(BEGIN_OPTION, "")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")


def writer(engine: Engine) -> Engine:
    """The same engine (and pool) whose SQLite transactions begin IMMEDIATE; on PostgreSQL the
    option means nothing and row locks do the work."""
    return engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})


def private_file(path: Path) -> None:
    """Create the file 0600 (a missing folder 0700); an existing file is tightened to 0600.

    An existing folder is left as it is: it may be shared (the home is made private by
    ``careercoach serve``)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=0o600)
    path.chmod(0o600)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.chmod(0o600)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for a SQLite file, its folder is created and WAL mode turned on."""
    try:
        parsed = make_url(url)
    except Exception as bad:
        raise ConfigError(
            f"database_url {url!r} is not a valid SQLAlchemy URL: {bad}",
            message_zh=f"数据库地址 database_url {url!r} 无效：{bad}",
        ) from bad
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_file(Path(parsed.database))
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise ConfigError(
        f"database_url: backend {parsed.get_backend_name()!r} is not supported "
        "(use sqlite:/// or postgresql+psycopg://)",
        message_zh=f"数据库地址 database_url：不支持 {parsed.get_backend_name()!r}，"
        "请使用 sqlite:/// 或 postgresql+psycopg://",
    )


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration built in code, pointing at this package's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["engine"] = engine
    return config


# Alembic's ``context`` is one module-level proxy, so two threads running migrations at once
# trip over each other; this lock serialises them within a process (the database's own locks
# do it across processes).
_ALEMBIC_LOCK = threading.Lock()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent; a quick check when already at head)."""
    if revision == "head" and current_revision(engine) == head_revision():
        return
    log.info("migrating %s to %s", engine.url.render_as_string(hide_password=True), revision)
    with _ALEMBIC_LOCK:
        command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with _ALEMBIC_LOCK:
        command.downgrade(alembic_config(engine), revision)
