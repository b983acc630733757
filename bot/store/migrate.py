"""``careercoach store migrate --to URL``: move the store into another database (SQLite ->
PostgreSQL, or between servers), row for row.

Both databases are brought to the newest schema first (the same Alembic migrations the store
runs when it opens), then every table of the store's metadata is copied in foreign-key order,
in batches, inside one transaction on the target: a failure leaves the target as empty as it
was. The target must hold no rows (nothing there is overwritten). Afterwards PostgreSQL's id
sequences are moved past the copied ids, and the row counts of source and target are compared.
The source is only read. What it leaves out: the knowledge base's own state (``kb refresh``
builds it where the settings say) and tables that no migration of this version knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, Integer, func, insert, inspect, select, text
from sqlalchemy.engine import make_url

from bot.errors import CareerCoachError
from bot.store.database import make_engine, upgrade
from bot.store.tables import Base

BATCH = 500


@dataclass
class MigrationReport:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied
    unknown_tables: list[str] = field(default_factory=list)  # in the source, not copied


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _count(engine: Engine, table: str) -> int:
    query = select(func.count()).select_from(Base.metadata.tables[table])
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def migrate(source_url: str, target_url: str) -> MigrationReport:
    """Copy every row of the store at ``source_url`` into the empty store at ``target_url``."""
    if make_url(source_url) == make_url(target_url):
        raise CareerCoachError(
            f"--to {_shown(target_url)} is the database already in use; give another one",
            message_zh="--to 指向的就是当前数据库，请换一个",
        )
    source, target = make_engine(source_url), make_engine(target_url)
    try:
        upgrade(source)
        upgrade(target)
        tables = Base.metadata.sorted_tables
        occupied = [t.name for t in tables if _count(target, t.name)]
        if occupied:
            raise CareerCoachError(
                f"--to {_shown(target_url)} already holds rows (in {', '.join(occupied)}); "
                "migrate into a new, empty database",
                message_zh=f"--to 数据库中已有数据（{', '.join(occupied)}），"
                "请迁移到一个新的空数据库",
            )
        report = MigrationReport()
        known = {t.name for t in tables} | {"alembic_version"}
        report.unknown_tables = sorted(set(inspect(source).get_table_names()) - known)
        with source.connect() as reading, target.begin() as writing:
            for table in tables:
                copied = 0
                result = reading.execution_options(yield_per=BATCH).execute(select(table))
                for batch in result.mappings().partitions(BATCH):
                    writing.execute(insert(table), [dict(row) for row in batch])
                    copied += len(batch)
                report.rows[table.name] = copied
            if target.dialect.name == "postgresql":
                _advance_sequences(writing)
        for name, copied in report.rows.items():
            there = _count(target, name)
            if there != copied or _count(source, name) != copied:
                raise CareerCoachError(
                    f"{name}: {copied} rows copied but the target holds {there}; the source "
                    "changed during the copy? stop careercoach serve and run it again",
                    message_zh=f"{name}：复制了 {copied} 行，目标库中有 {there} 行；"
                    "请先停止 careercoach serve 再迁移",
                )
        return report
    finally:
        source.dispose()
        target.dispose()


def _advance_sequences(connection: Connection) -> None:
    """Make PostgreSQL hand out ids after the copied ones (inserts with ids do not move them)."""
    for table in Base.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer) or column.autoincrement is False:
                continue
            statement = text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f'COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 1), '
                f'(SELECT MAX("{column.name}") FROM "{table.name}") IS NOT NULL) '
                "WHERE pg_get_serial_sequence(:table, :column) IS NOT NULL"
            )
            connection.execute(statement, {"table": table.name, "column": column.name})
