"""``careercoach backup DIR`` and ``careercoach restore DIR``: everything under the home, safely.

A backup is a folder: ``backup.json`` (when, which version, what was left out, and the size and
SHA-256 of every file) beside ``home/``, a copy of ``CAREERCOACH_HOME``: the index, the embedding
cache, the SQLite store, the generated session secret and the uploads. It is taken while
holding the index's refresh lock (the one ``kb refresh`` takes, so no refresh writes during the
copy); every SQLite file (the store, the embedding cache, Chroma's files) is copied with
SQLite's online backup, which is consistent while the web app keeps writing. Lock files and
SQLite's ``-wal``/``-shm`` side files are not copied.

A PostgreSQL store (and the knowledge-base state kept there) is not in the folder: the backup
says so and ``pg_dump`` saves it (docs/DEPLOY.md). Vectors on a Chroma server are the server's
to back up; ``kb refresh --force`` rebuilds them from the cache.

Restore checks every file against ``backup.json`` first, then copies into a new folder beside
the home and swaps it in. A home that already holds data is kept: restore refuses unless
``force``, and then renames it to ``<home>.before-restore-<time>`` rather than deleting it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bot.errors import CareerCoachError
from bot.settings import Settings

FORMAT = 1
MANIFEST = "backup.json"
_SKIP_SUFFIXES = (".lock", "-wal", "-shm", "-journal")
_SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass
class BackupReport:
    folder: Path
    files: int = 0
    bytes: int = 0
    left_out: list[str] = field(default_factory=list)


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(16) == _SQLITE_MAGIC
    except OSError:
        return False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _refresh_lock(index_dir: Path, wait_s: float) -> Iterator[None]:
    """Hold ``index/refresh.lock`` (no refresh runs meanwhile); wait up to ``wait_s`` for one."""
    if not index_dir.is_dir():
        yield
        return
    with open(index_dir / "refresh.lock", "a+") as fh:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise CareerCoachError(
                        f"{index_dir}: a knowledge-base refresh is running; back up when it ends",
                        message_zh=f"{index_dir}：知识库正在刷新，请在刷新结束后再备份",
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _copy_sqlite(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _writable_empty(folder: Path, what: str) -> None:
    if folder.exists() and any(folder.iterdir()):
        raise CareerCoachError(
            f"{what} {folder} is not empty; give a new or empty folder",
            message_zh=f"{what} {folder} 不是空目录，请换一个新的或空的目录",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CareerCoachError(
            f"{what} {folder}: cannot create it ({error.strerror})",
            message_zh=f"{what} {folder}：无法创建（{error.strerror}）",
        ) from None


def backup(settings: Settings, folder: Path, *, wait_s: float = 60.0) -> BackupReport:
    """Copy ``settings.home`` into ``folder`` (new or empty), consistently."""
    home = settings.home
    if not home.is_dir():
        raise CareerCoachError(
            f"CAREERCOACH_HOME {home} does not exist: nothing to back up",
            message_zh=f"CAREERCOACH_HOME {home} 不存在，没有可备份的内容",
        )
    folder = folder.resolve()
    if folder == home.resolve() or home.resolve() in folder.parents:
        raise CareerCoachError(
            f"backup folder {folder} is inside CAREERCOACH_HOME; put it elsewhere",
            message_zh=f"备份目录 {folder} 位于 CAREERCOACH_HOME 之内，请放到别处",
        )
    _writable_empty(folder, "backup folder")
    report = BackupReport(folder=folder)
    entries: dict[str, dict[str, object]] = {}
    if settings.database_url:
        report.left_out.append(
            "the PostgreSQL store and knowledge-base state: save them with pg_dump (docs/DEPLOY.md)"
        )
    if settings.chroma_url:
        report.left_out.append(f"vectors on the Chroma server {settings.chroma_url}")
    target_home = folder / "home"
    with _refresh_lock(settings.index_dir, wait_s):
        for source in sorted(p for p in home.rglob("*") if p.is_file()):
            if source.name.endswith(_SKIP_SUFFIXES):
                continue
            relative = source.relative_to(home)
            target = target_home / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if _is_sqlite(source):
                _copy_sqlite(source, target)
            else:
                shutil.copy2(source, target)
            size = target.stat().st_size
            entries[relative.as_posix()] = {"bytes": size, "sha256": _sha256(target)}
            report.files += 1
            report.bytes += size
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "careercoach": version("careercoach"),
        "home": str(home),
        "embedding": f"{settings.embedding_provider}:{settings.embedding_model}",
        "left_out": report.left_out,
        "files": entries,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return report


def _read_manifest(folder: Path) -> dict[str, object]:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CareerCoachError(
            f"{path}: not a careercoach backup ({error})",
            message_zh=f"{path}：不是 careercoach 备份（{error}）",
        ) from None
    found = manifest.get("format") if isinstance(manifest, dict) else None
    if found != FORMAT or not isinstance(manifest.get("files"), dict):
        raise CareerCoachError(
            f"{path}: backup format {found!r} is not {FORMAT}, the one this version reads",
            message_zh=f"{path}：无法识别的备份格式 {found!r}",
        )
    return manifest


def verify(folder: Path) -> dict[str, object]:
    """The manifest, after checking every listed file's size and SHA-256 (and nothing extra)."""
    manifest = _read_manifest(folder)
    files = manifest["files"]
    assert isinstance(files, dict)
    home = folder / "home"
    present = {p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file()}
    for name in sorted(set(files) | present):
        entry = files.get(name)
        path = home / name
        if entry is None:
            problem = "is not listed in backup.json"
        elif not path.is_file():
            problem = "is missing"
        elif path.stat().st_size != entry["bytes"] or _sha256(path) != entry["sha256"]:
            problem = "has changed since the backup (size or SHA-256 differs)"
        else:
            continue
        raise CareerCoachError(
            f"{folder}: home/{name} {problem}; the backup is damaged, restore another one",
            message_zh=f"{folder}：home/{name} 已损坏或缺失，请改用其他备份",
        )
    return manifest


def restore(settings: Settings, folder: Path, *, force: bool = False) -> tuple[int, Path | None]:
    """Put the backup in ``folder`` in place of ``settings.home``.

    Returns (files restored, where the previous home was moved or None)."""
    folder = folder.resolve()
    manifest = verify(folder)
    home = settings.home
    occupied = home.exists() and any(home.iterdir())
    if occupied and not force:
        raise CareerCoachError(
            f"CAREERCOACH_HOME {home} already holds data; restore into an empty home, or add "
            "--force to move the current one aside first (it is kept, not deleted)",
            message_zh=f"CAREERCOACH_HOME {home} 已有数据；请恢复到空目录，或加 --force "
            "（现有目录会被改名保留，不会删除）",
        )
    staging = home.with_name(f"{home.name}.restoring-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        shutil.copytree(folder / "home", staging)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        if error.errno == errno.ENOSPC:
            raise CareerCoachError(
                f"not enough disk space beside {home} to restore; nothing was changed",
                message_zh=f"{home} 所在磁盘空间不足，未做任何更改",
            ) from None
        raise
    aside: Path | None = None
    if home.exists():
        if occupied:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            aside = home.with_name(f"{home.name}.before-restore-{stamp}")
            home.rename(aside)
        else:
            home.rmdir()
    staging.rename(home)
    files = manifest.get("files")
    return (len(files) if isinstance(files, dict) else 0), aside
