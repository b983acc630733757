"""Which files a refresh looks at: the walking policy and its boundaries.

``collect(paths)`` turns the paths a maintainer gave into the files to load, plus a report line
for everything it will not load and could be surprised by. The rules:

* Every given path is resolved (``~`` expanded, symbolic links followed) and becomes a *root*.
  Nothing outside the roots is ever read: a symbolic link (to a file or a folder) whose target
  resolves outside every root is reported ``skipped`` with where it points; one that stays
  inside is followed only to its target, which the walk reaches anyway (so nothing is read
  twice and a link loop cannot recurse).
* A broken link is ``failed`` ("broken symbolic link"); a FIFO, socket or device is ``skipped``
  ("not a regular file"): neither is left out silently. Hidden files and folders (``.name``) are
  left out, as editors and version control keep their own files there.
* YAML files inside a folder are data (resources.yaml, terms.yaml) or metadata sidecars
  (``*.meta.yaml``) and are left out silently; one named explicitly is reported ``skipped``.
* :func:`printable` escapes newlines, ANSI escape sequences and other control characters, so a
  file named ``a\\n[ok] b`` or carrying ``\\x1b[2J`` cannot forge or wipe lines of a report or a
  terminal. Reports use it for every path and reason they show.

The walk uses ``os.scandir`` without following links, so it never enters a folder it has not
checked. What it leaves out: reading the files (``loaders``) and deciding what changed
(``refresh``).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from bot.knowledge.manifest import FileReport

DATA_SUFFIXES = frozenset({".yaml", ".yml"})
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """``text`` with control characters shown as escapes (``\\n``, ``\\x1b``)."""

    def escape(m: re.Match[str]) -> str:
        return m.group(0).encode("unicode_escape").decode("ascii")

    return _CONTROL.sub(escape, text)


def inside(path: Path, roots: list[Path]) -> bool:
    """True when the resolved ``path`` is one of ``roots`` or below one."""
    return any(path == r or r in path.parents for r in roots)


def collect(paths: list[Path]) -> tuple[list[Path], list[FileReport], list[Path]]:
    """(files to load, reports for what is not loaded, the resolved roots)."""
    roots: list[Path] = []
    missing: list[FileReport] = []
    for given in paths:
        expanded = Path(given).expanduser()
        root = expanded.resolve()
        if not root.exists():
            why = "broken symbolic link" if expanded.is_symlink() else "no such file or folder"
            zh = "符号链接已失效" if expanded.is_symlink() else "文件或文件夹不存在"
            missing.append(FileReport(path=str(expanded), status="failed", reason=f"{why} / {zh}"))
            continue
        roots.append(root)
    files: list[Path] = []
    reports: list[FileReport] = []
    for root in roots:
        if root.is_dir():
            found: list[Path] = []
            _walk(root, roots, found, reports)
            files.extend(sorted(found))
        elif root.suffix.lower() in DATA_SUFFIXES:
            why = "YAML data or metadata file, not a document / YAML 数据或元数据文件，不是文档"
            reports.append(FileReport(path=str(root), status="skipped", reason=why))
        elif root.is_file():
            files.append(root)
        else:
            reports.append(_special(root, root.stat().st_mode))
    return list(dict.fromkeys(files)), missing + reports, roots


def _walk(top: Path, roots: list[Path], files: list[Path], reports: list[FileReport]) -> None:
    pending = [top]  # a stack rather than recursion: folder depth is not ours to choose
    while pending:
        folder = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            why = (exc.strerror or str(exc)).lower()
            reports.append(
                FileReport(path=str(folder), status="failed", reason=f"cannot list folder: {why}")
            )
            continue
        subfolders: list[Path] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if entry.is_symlink():
                _link(path, roots, files, reports)
                continue
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                continue  # vanished while walking
            if stat.S_ISDIR(mode):
                subfolders.append(path)
            elif stat.S_ISREG(mode):
                if path.suffix.lower() not in DATA_SUFFIXES:
                    files.append(path)
            else:
                reports.append(_special(path, mode))
        pending.extend(reversed(subfolders))


def _link(path: Path, roots: list[Path], files: list[Path], reports: list[FileReport]) -> None:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing target, or a loop of links
        reports.append(
            FileReport(
                path=str(path),
                status="failed",
                reason=f"broken symbolic link (points to {os.readlink(path)}) / 符号链接已失效",
            )
        )
        return
    if not inside(target, roots):
        reports.append(
            FileReport(
                path=str(path),
                status="skipped",
                reason=f"symbolic link leaves the knowledge folder (points to {target}); "
                "not read / 符号链接指向知识库文件夹之外，未读取",
            )
        )
        return
    # inside the roots: the walk reaches the target itself; a linked regular file counts once
    if target.is_file() and target.suffix.lower() not in DATA_SUFFIXES:
        files.append(target)


def _special(path: Path, mode: int) -> FileReport:
    kind = (
        "FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "socket"
        if stat.S_ISSOCK(mode)
        else "device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "special file"
    )
    return FileReport(
        path=str(path),
        status="skipped",
        reason=f"not a regular file ({kind}); not read / 不是普通文件（{kind}），未读取",
    )
