"""The knowledge base's own tables in PostgreSQL (see ``state.PostgresState`` for why apart).

``create`` makes them if missing, under a transaction-scoped advisory lock so replicas starting
together do not race, and refuses a database whose knowledge-base format is newer than this
code. What it leaves out: using them (``state``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert

from bot.errors import KnowledgeIndexError

FORMAT = "2"
_CREATE_LOCK = 0x6B62_6372_6561_7465  # "kbcreate"

metadata = MetaData()
kb_meta = Table(
    "kb_meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
kb_generations = Table(
    "kb_generations",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("record", Text, nullable=False),
)
kb_segments = Table(
    "kb_segments",
    metadata,
    Column("segment", String(64), primary_key=True),
    Column("meta", Text, nullable=False),
    Column("written_at", DateTime(timezone=True), nullable=False),
)
kb_segment_files = Table(
    "kb_segment_files",
    metadata,
    Column("segment", String(64), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("part", Integer, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)


def create(engine: Any) -> None:
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CREATE_LOCK})
        metadata.create_all(conn, checkfirst=True)
        found = conn.execute(select(kb_meta.c.value).where(kb_meta.c.name == "format")).scalar()
        if found is None:
            upsert_meta(conn, "format", FORMAT)
        elif found != FORMAT:
            raise KnowledgeIndexError(
                f"the knowledge-base tables are in format {found}; this version reads {FORMAT}",
                message_zh=f"数据库中的知识库表为第 {found} 版格式，本程序只能读取第 {FORMAT} 版",
            )


def upsert_meta(conn: Any, name: str, value: str) -> None:
    stmt = insert(kb_meta).values(name=name, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"value": value}))


def ensure_id(conn: Any, fresh: str) -> str:
    stmt = insert(kb_meta).values(name="kb_id", value=fresh).on_conflict_do_nothing()
    conn.execute(stmt)
    return str(conn.execute(select(kb_meta.c.value).where(kb_meta.c.name == "kb_id")).scalar())


def upsert_generation(conn: Any, number: int, record: str) -> None:
    stmt = insert(kb_generations).values(number=number, record=record)
    conn.execute(stmt.on_conflict_do_update(index_elements=["number"], set_={"record": record}))
