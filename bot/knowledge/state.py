"""Where a knowledge base keeps its shared state: the pointer, the generation records, segments.

Two stores with one interface, chosen by ``make_state``:

* ``FileState`` (the default) keeps everything under ``settings.index_dir``::

      CURRENT                 "7": the generation serving queries, replaced with os.replace
      refresh.lock            fcntl lock: one refresh (or removal, or repair) at a time
      instance                this index's id and where it was made (to notice a copied home)
      generations/gen-000007.json   generation 7's record (``Manifest``)
      segments/<id>/          immutable segments (``segment``); .tmp-<id>/ while being written
      pending.json            rows being added to a Chroma server by a refresh not yet committed

* ``pgstate.PostgresState``, when ``database_url`` is PostgreSQL, keeps the same things in
  tables of that database, so every ``serve`` replica on every machine reads one knowledge base.

What it leaves out: what a record holds (``manifest``), segment files (``segment``), vectors on
a server (``vectors``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from bot.errors import KnowledgeIndexError
from bot.knowledge.manifest import Manifest, write_atomically
from bot.knowledge.segment import SegmentDamaged, remove_folder
from bot.settings import Settings

log = logging.getLogger(__name__)


class PointerDamaged(Exception):
    """The generation pointer cannot be read; ``str()`` says why."""


class RecordDamaged(Exception):
    """A generation record is missing or unreadable; ``str()`` says why."""


def busy(where: str) -> KnowledgeIndexError:
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
        from bot.knowledge.pgstate import PostgresState

        return PostgresState(url, settings.cache_dir / "kb-segments")
    return FileState(settings.index_dir)


def record_of(text: str, where: str) -> Manifest:
    try:
        return Manifest.model_validate_json(text)
    except ValueError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RecordDamaged(f"{where}: unreadable record ({first})") from exc


def pointer_of(text: str, where: str) -> int:
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
                raise busy(str(self.root)) from exc
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
        return pointer_of(text, str(path))

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
        return record_of(text, str(path))

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
