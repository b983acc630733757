"""Opening the database: the engine (SQLite in WAL mode, or PostgreSQL) and its migrations.

SQLite gets WAL journaling, foreign keys and a busy timeout on every connection, so the web app
and a CLI command can use the same file at once. PostgreSQL is reached by URL
(``postgresql+psycopg://…``). Migrations are Alembic's, configured in code from the folder
``migrations/`` of this package, so no ``alembic.ini`` is needed at run time. Leaves out
connection-pool tuning beyond SQLAlchemy's defaults.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from bot.errors import ConfigError
from bot.resources import package_path

log = logging.getLogger(__name__)

MIGRATIONS = package_path("bot.store.migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
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
