"""Where a knowledge base keeps its shared state: the pointer, the generation records, segments.

Two stores with one interface, chosen by ``make_state``:

* ``FileState`` (the default) keeps everything under ``settings.index_dir``::

      CURRENT                 "7": the generation serving queries, replaced with os.replace
      refresh.lock            fcntl lock: one refresh (or removal, or repair) at a time
      instance                this index's id and where it was made (to notice a copied home)
      generations/gen-000007.json   generation 7's record (``Manifest``)
      segments/<id>/          immutable segments (``segment``); .tmp-<id>/ while being written
      pending.json            rows being added to a Chroma server by a refresh not yet committed

* ``PostgresState``, when ``database_url`` is PostgreSQL, keeps the same things in tables of
  that database (``kb_meta``: id, pointer, pending rows; ``kb_generations``: records;
  ``kb_segments`` and ``kb_segment_files``: the segment files in parts), so every ``serve``
  replica on every machine reads one knowledge base. The refresh lock is a PostgreSQL advisory
  lock, held by a connection for the refresh's duration (a killed refresh drops it). Segments are
  downloaded once into ``<home>/cache/kb-segments/<kb id>/`` and memory-mapped from there; a
  copied home then only holds copies of immutable files under the same id, which is safe.

These tables belong to the knowledge base, not to ``bot.store``: they are created here
(``create_all`` under an advisory lock, a format number in ``kb_meta``) so the index works with
no transcript store at all and its state moves with ``bot.knowledge``'s own format, which a
refresh, not an Alembic upgrade, converts. What it leaves out: what a record holds
(``manifest``), segment files (``segment``), vectors on a server (``vectors``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import time
import uuid
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from bot.errors import KnowledgeIndexError
from bot.knowledge.manifest import Manifest, write_atomically
from bot.knowledge.segment import SegmentDamaged, remove_folder
from bot.settings import Settings

log = logging.getLogger(__name__)

_PART = 8 * 1024 * 1024  # bytes per kb_segment_files row


class PointerDamaged(Exception):
    """The generation pointer cannot be read; ``str()`` says why."""


class RecordDamaged(Exception):
    """A generation record is missing or unreadable; ``str()`` says why."""


def _busy(where: str) -> KnowledgeIndexError:
    return KnowledgeIndexError(
        f"{where}: another refresh is running; try again when it ends",
        message_zh=f"{where}：另一个刷新正在进行，请稍后再试",
    )


class StateStore(Protocol):
    """What the index needs from wherever its shared state lives."""

    @property
    def where(self) -> str: ...
    def kb_id(self) -> str: ...
    def lock(self) -> contextlib.AbstractContextManager[None]: ...
    def pointer(self) -> int | None: ...  # None: never committed; raises PointerDamaged
    def commit(self, n: int) -> None: ...
    def generations(self) -> list[int]: ...
    def read(self, n: int) -> Manifest: ...  # raises RecordDamaged
    def write(self, record: Manifest) -> None: ...
    def drop(self, n: int) -> None: ...
    def segment_ids(self) -> list[str]: ...
    def segment_folder(self, seg_id: str) -> Path: ...  # raises SegmentDamaged
    def new_segment(self) -> tuple[str, Path, Path]: ...  # id, temp folder, final folder
    def publish(self, seg_id: str) -> None: ...
    def drop_segment(self, seg_id: str) -> None: ...
    def pending(self) -> list[list[Any]]: ...
    def set_pending(self, rows: list[list[Any]]) -> None: ...
    def cleanup_temporary(self) -> None: ...
    def claim(self) -> str: ...  # under the lock: "" or what was done about a copied home
    def close(self) -> None: ...


def make_state(settings: Settings) -> StateStore:
    """PostgreSQL when the store's database is PostgreSQL, files under the home otherwise."""
    url = settings.database_url or ""
    if url.startswith(("postgresql", "postgres")):
        return PostgresState(url, settings.cache_dir / "kb-segments")
    return FileState(settings.index_dir)


def _record_of(text: str, where: str) -> Manifest:
    try:
        return Manifest.model_validate_json(text)
    except ValueError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RecordDamaged(f"{where}: unreadable record ({first})") from exc


def _pointer_of(text: str, where: str) -> int:
    value = text.strip()
    if not value:
        raise PointerDamaged(f"{where} is empty")
    if not value.isdigit() or int(value) <= 0:
        raise PointerDamaged(f"{where} holds {value[:40]!r}, not a generation number")
    return int(value)


class FileState:
    """The state of one index folder on this machine."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def where(self) -> str:
        return "files"

    # --- paths -----------------------------------------------------------------------------
    def record_path(self, n: int) -> Path:
        return self.root / "generations" / f"gen-{n:06d}.json"

    @property
    def segments_dir(self) -> Path:
        return self.root / "segments"

    # --- identity --------------------------------------------------------------------------
    def _origin(self) -> str:
        return f"{socket.gethostname()}:{os.path.realpath(self.root)}"

    def _instance(self) -> dict[str, str]:
        path = self.root / "instance"
        try:
            text = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            return {"id": text}  # first format: the bare id, origin unknown
        return data if isinstance(data, dict) else {}

    def kb_id(self) -> str:
        found = self._instance().get("id")
        if found:
            return found
        self.root.mkdir(parents=True, exist_ok=True)
        fresh = {"id": uuid.uuid4().hex[:16], "origin": self._origin()}
        write_atomically(self.root / "instance", json.dumps(fresh))
        return fresh["id"]

    def claim(self) -> str:
        """Give a copied index (another host or folder than it was made in) its own id."""
        data = self._instance()
        origin = self._origin()
        if data.get("id") and data.get("origin") in (None, origin):
            if data.get("origin") is None:
                write_atomically(self.root / "instance", json.dumps({**data, "origin": origin}))
            return ""
        if not data.get("id"):
            self.kb_id()
            return ""
        fresh = {"id": uuid.uuid4().hex[:16], "origin": origin}
        write_atomically(self.root / "instance", json.dumps(fresh))
        return (
            f"this index was copied from {data.get('origin')}; it now has its own id "
            f"{fresh['id']}, so it never writes to the other index's Chroma collections"
        )

    # --- lock and pointer ------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "refresh.lock", "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise _busy(str(self.root)) from exc
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def pointer(self) -> int | None:
        path = self.root / "CURRENT"
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise PointerDamaged(f"{path} cannot be read ({exc})") from exc
        return _pointer_of(text, str(path))

    def commit(self, n: int) -> None:
        write_atomically(self.root / "CURRENT", f"{n}\n")

    # --- records ---------------------------------------------------------------------------
    def generations(self) -> list[int]:
        found = []
        for path in (self.root / "generations").glob("gen-*.json"):
            with contextlib.suppress(ValueError):
                found.append(int(path.stem.removeprefix("gen-")))
        return sorted(found)

    def read(self, n: int) -> Manifest:
        path = self.record_path(n)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise RecordDamaged(f"{path} is missing") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise RecordDamaged(f"{path} cannot be read ({exc})") from exc
        return _record_of(text, str(path))

    def write(self, record: Manifest) -> None:
        path = self.record_path(record.generation)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, record.model_dump_json())

    def drop(self, n: int) -> None:
        self.record_path(n).unlink(missing_ok=True)

    # --- segments --------------------------------------------------------------------------
    def segment_ids(self) -> list[str]:
        if not self.segments_dir.is_dir():
            return []
        return sorted(p.name for p in self.segments_dir.iterdir() if not p.name.startswith("."))

    def segment_folder(self, seg_id: str) -> Path:
        folder = self.segments_dir / seg_id
        if not folder.is_dir():
            raise SegmentDamaged(f"{folder} is missing")
        return folder

    def new_segment(self) -> tuple[str, Path, Path]:
        seg_id = uuid.uuid4().hex[:16]
        self.segments_dir.mkdir(parents=True, exist_ok=True)
        return seg_id, self.segments_dir / f".tmp-{seg_id}", self.segments_dir / seg_id

    def publish(self, seg_id: str) -> None:
        """Nothing to do: the segment was renamed into place by the writer."""

    def drop_segment(self, seg_id: str) -> None:
        remove_folder(self.segments_dir / seg_id)

    def cleanup_temporary(self) -> None:
        if self.segments_dir.is_dir():
            for p in self.segments_dir.glob(".tmp-*"):
                remove_folder(p)

    # --- rows being added to a vector server -----------------------------------------------
    def pending(self) -> list[list[Any]]:
        path = self.root / "pending.json"
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except ValueError:
            log.warning("%s is unreadable; ignoring it", path)
            return []
        return rows if isinstance(rows, list) else []

    def set_pending(self, rows: list[list[Any]]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomically(self.root / "pending.json", json.dumps(rows))

    def close(self) -> None:
        """Nothing is held open."""


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
        from bot.knowledge import pgtables

        if not self._ready:
            try:
                pgtables.create(self._engine)
            except Exception as exc:  # unreachable server, no rights …: said in words
                raise self._error(exc, "creating the knowledge-base tables") from exc
            self._ready = True
        return pgtables

    def _get(self, name: str) -> str | None:
        t = self._tables()
        from sqlalchemy import select

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
        from sqlalchemy import text

        self._tables()
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.LOCK_KEY})
            if not got.scalar():
                raise _busy(self._shown)
            try:
                yield
            finally:
                with contextlib.suppress(Exception):
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.LOCK_KEY})
        finally:
            conn.close()

    def pointer(self) -> int | None:
        value = self._get("current")
        return None if value is None else _pointer_of(value, f"{self._shown} kb_meta.current")

    def commit(self, n: int) -> None:
        self._put("current", str(n))

    def generations(self) -> list[int]:
        t = self._tables()
        from sqlalchemy import select

        with self._engine.connect() as conn:
            rows = conn.execute(select(t.kb_generations.c.number)).scalars()
            return sorted(int(n) for n in rows)

    def read(self, n: int) -> Manifest:
        t = self._tables()
        from sqlalchemy import select

        with self._engine.connect() as conn:
            g = t.kb_generations
            text = conn.execute(select(g.c.record).where(g.c.number == n)).scalar()
        if text is None:
            raise RecordDamaged(f"{self._shown}: generation {n} has no record")
        return _record_of(text, f"{self._shown} generation {n}")

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
        from sqlalchemy import select

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
        from sqlalchemy import select

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
