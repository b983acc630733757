"""The knowledge base's state in PostgreSQL: every home pointing at one database is a replica.

Tables (``kb_meta``: id, format, pointer, pending rows; ``kb_generations``: records;
``kb_segments`` and ``kb_segment_files``: segment files in parts of 8 MB, zlib-compressed).
The refresh lock is a PostgreSQL advisory lock held by one connection for the refresh's duration
(a killed refresh drops it). Each replica downloads a segment once into
``<home>/cache/kb-segments/<kb id>/`` and memory-maps it; a copied home then only holds copies
of immutable files under the same id, which is safe.

These tables belong to the knowledge base, not to ``bot.store``: ``create`` makes them
(``create_all`` under a transaction-scoped advisory lock, so replicas starting together do not
race; a format number in ``kb_meta``, and a database in a newer format is refused) so the index
works with no transcript store at all and its format moves with ``bot.knowledge``'s, which a
refresh converts, not an Alembic upgrade. What it leaves out: the files store (``state``).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import uuid
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
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
from bot.knowledge.manifest import Manifest
from bot.knowledge.segment import SegmentDamaged, remove_folder
from bot.knowledge.state import RecordDamaged, busy, pointer_of, record_of

FORMAT = "2"
_PART = 8 * 1024 * 1024  # bytes per kb_segment_files row
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


class PostgresState:
    """The state of the one knowledge base kept in a PostgreSQL database."""

    LOCK_KEY = 0x6B62_7265_6672_6573  # "kbrefres": the advisory lock of the refresh

    def __init__(self, url: str, cache_root: Path) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self._url = url
        self._shown = make_url(url).render_as_string(hide_password=True)
        self._engine = create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4)
        self._cache_root = cache_root
        self._kb_id: str | None = None
        self._ready = False

    @property
    def where(self) -> str:
        return self._shown

    def _error(self, exc: Exception, doing: str) -> KnowledgeIndexError:
        return KnowledgeIndexError(
            f"PostgreSQL {self._shown}: {doing} failed ({type(exc).__name__}: {exc})",
            message_zh=f"PostgreSQL {self._shown}：{doing}失败（{type(exc).__name__}）",
        )

    def _tables(self) -> Any:
        if not self._ready:
            try:
                create(self._engine)
            except Exception as exc:  # unreachable server, no rights …: said in words
                raise self._error(exc, "creating the knowledge-base tables") from exc
            self._ready = True
        return sys.modules[__name__]  # the tables above, checked once

    def _get(self, name: str) -> str | None:
        t = self._tables()
        with self._engine.connect() as conn:
            return conn.execute(select(t.kb_meta.c.value).where(t.kb_meta.c.name == name)).scalar()

    def _put(self, name: str, value: str) -> None:
        t = self._tables()
        with self._engine.begin() as conn:
            t.upsert_meta(conn, name, value)

    def kb_id(self) -> str:
        if self._kb_id is None:
            t = self._tables()
            with self._engine.begin() as conn:
                self._kb_id = t.ensure_id(conn, uuid.uuid4().hex[:16])
        return self._kb_id

    def claim(self) -> str:
        return ""  # every home pointing at this database is a replica of the same KB

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        self._tables()
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.LOCK_KEY})
            if not got.scalar():
                raise busy(self._shown)
            try:
                yield
            finally:
                with contextlib.suppress(Exception):
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.LOCK_KEY})
        finally:
            conn.close()

    def pointer(self) -> int | None:
        value = self._get("current")
        return None if value is None else pointer_of(value, f"{self._shown} kb_meta.current")

    def commit(self, n: int) -> None:
        self._put("current", str(n))

    def generations(self) -> list[int]:
        t = self._tables()
        with self._engine.connect() as conn:
            rows = conn.execute(select(t.kb_generations.c.number)).scalars()
            return sorted(int(n) for n in rows)

    def read(self, n: int) -> Manifest:
        t = self._tables()
        with self._engine.connect() as conn:
            g = t.kb_generations
            text = conn.execute(select(g.c.record).where(g.c.number == n)).scalar()
        if text is None:
            raise RecordDamaged(f"{self._shown}: generation {n} has no record")
        return record_of(text, f"{self._shown} generation {n}")

    def write(self, record: Manifest) -> None:
        t = self._tables()
        with self._engine.begin() as conn:
            t.upsert_generation(conn, record.generation, record.model_dump_json())

    def drop(self, n: int) -> None:
        t = self._tables()
        with self._engine.begin() as conn:
            conn.execute(t.kb_generations.delete().where(t.kb_generations.c.number == n))

    def segment_ids(self) -> list[str]:
        t = self._tables()
        with self._engine.connect() as conn:
            return sorted(conn.execute(select(t.kb_segments.c.segment)).scalars())

    def _cache(self) -> Path:
        return self._cache_root / self.kb_id()

    def segment_folder(self, seg_id: str) -> Path:
        """The segment's local copy, downloaded from the database the first time."""
        folder = self._cache() / seg_id
        if (folder / "meta.json").is_file():
            return folder
        t = self._tables()
        tmp = self._cache() / f".dl-{seg_id}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        f = t.kb_segment_files
        try:
            with self._engine.connect() as conn:
                known = conn.execute(
                    select(t.kb_segments.c.segment).where(t.kb_segments.c.segment == seg_id)
                ).scalar()
                if known is None:
                    raise SegmentDamaged(f"{self._shown}: segment {seg_id} is not stored")
                tmp.mkdir(parents=True)
                rows = conn.execute(
                    select(f.c.name, f.c.data)
                    .where(f.c.segment == seg_id)
                    .order_by(f.c.name, f.c.part)
                )
                handles: dict[str, Any] = {}
                try:
                    for name, data in rows:
                        if name not in handles:
                            handles[name] = open(tmp / name, "wb")  # noqa: SIM115
                        handles[name].write(zlib.decompress(data))
                finally:
                    for fh in handles.values():
                        fh.close()
            with contextlib.suppress(FileExistsError, OSError):
                os.replace(tmp, folder)  # another process may have won the race: same bytes
        finally:
            remove_folder(tmp)
        return folder

    def new_segment(self) -> tuple[str, Path, Path]:
        seg_id = uuid.uuid4().hex[:16]
        self._cache().mkdir(parents=True, exist_ok=True)
        return seg_id, self._cache() / f".tmp-{seg_id}", self._cache() / seg_id

    def publish(self, seg_id: str) -> None:
        """Upload the written segment's files; it exists for readers once the row is in."""
        t = self._tables()
        folder = self._cache() / seg_id
        meta = (folder / "meta.json").read_text(encoding="utf-8")
        with self._engine.begin() as conn:
            for path in sorted(folder.iterdir()):
                with open(path, "rb") as fh:
                    part = 0
                    while True:
                        block = fh.read(_PART)
                        if not block and part:
                            break
                        conn.execute(
                            t.kb_segment_files.insert().values(
                                segment=seg_id, name=path.name, part=part,
                                data=zlib.compress(block, 1),
                            )
                        )  # fmt: skip
                        part += 1
                        if not block:
                            break
            conn.execute(
                t.kb_segments.insert().values(
                    segment=seg_id, meta=meta, written_at=datetime.now(UTC)
                )
            )

    def drop_segment(self, seg_id: str) -> None:
        t = self._tables()
        with self._engine.begin() as conn:
            conn.execute(t.kb_segments.delete().where(t.kb_segments.c.segment == seg_id))
            f = t.kb_segment_files
            conn.execute(f.delete().where(f.c.segment == seg_id))
        remove_folder(self._cache() / seg_id)

    def cleanup_temporary(self) -> None:
        if self._cache().is_dir():
            for p in self._cache().glob(".tmp-*"):
                remove_folder(p)

    def evict(self, keep: set[str], min_age_s: float = 3600.0) -> None:
        """Delete local copies of segments outside ``keep`` older than ``min_age_s`` (a refresh
        in this home may have just written one; mapped copies stay readable anyway)."""
        if self._cache().is_dir():
            old = time.time() - min_age_s
            for p in self._cache().iterdir():
                if not p.name.startswith(".") and p.name not in keep and p.stat().st_mtime < old:
                    remove_folder(p)

    def pending(self) -> list[list[Any]]:
        value = self._get("pending")
        try:
            rows = json.loads(value) if value else []
        except ValueError:
            return []
        return rows if isinstance(rows, list) else []

    def set_pending(self, rows: list[list[Any]]) -> None:
        self._put("pending", json.dumps(rows))

    def close(self) -> None:
        self._engine.dispose()
