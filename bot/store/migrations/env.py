"""Alembic environment: runs migrations on the engine the store hands over in ``attributes``.

On PostgreSQL an advisory lock serialises concurrent upgrades (two processes starting at once);
on SQLite the file lock does the same. Batch mode lets ALTERs work on SQLite.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from bot.store.tables import Base

_LOCK_KEY = 7_214_433_001  # any constant shared by every careercoach process

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
