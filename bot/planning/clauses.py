"""Checking that every clause the catalogue cites is really in its knowledge-base document.

A clause names a Markdown file under ``knowledge/docs/``, a heading of it and a quote; the quote
must appear (ignoring whitespace) in that section, subsections included. :class:`DocumentShelf`
reads each document once and also gives its title for citations. It parses only headings and
YAML front matter, not full Markdown; retrieval of passages is the knowledge package's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.planning.catalogue import Catalogue, Clause

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SPACE = re.compile(r"\s+|\*\*|__|`")


def squeeze(text: str) -> str:
    """Text without whitespace and Markdown emphasis marks, for comparing quotes."""
    return _SPACE.sub("", text)


@dataclass
class _Doc:
    title: str
    sections: dict[str, str] = field(default_factory=dict)  # heading -> text with subsections


def _parse(text: str, fallback_title: str) -> _Doc:
    title = ""
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end > 0:
            try:
                meta = yaml.safe_load(text[3:end]) or {}
            except yaml.YAMLError:
                meta = {}
            if isinstance(meta, dict):
                title = str(meta.get("title") or "")
            text = text[end + 4 :]
    lines = text.splitlines()
    headings = [
        (i, len(m[1]), m[2].strip()) for i, line in enumerate(lines) if (m := _HEADING.match(line))
    ]
    doc = _Doc(title=title)
    for n, (start, level, heading) in enumerate(headings):
        if level == 1 and not doc.title:
            doc.title = heading
        end = len(lines)
        for later_start, later_level, _ in headings[n + 1 :]:
            if later_level <= level:
                end = later_start
                break
        body = "\n".join(lines[start + 1 : end])
        doc.sections[heading] = doc.sections.get(heading, "") + "\n" + body
    doc.title = doc.title or fallback_title
    return doc


class DocumentShelf:
    """The knowledge-base documents a catalogue cites, read lazily from one folder."""

    def __init__(self, docs_dir: Path) -> None:
        self.docs_dir = docs_dir
        self._docs: dict[str, _Doc | None] = {}

    def _doc(self, name: str) -> _Doc | None:
        if name not in self._docs:
            path = self.docs_dir / name
            self._docs[name] = (
                _parse(path.read_text(encoding="utf-8"), path.stem) if path.is_file() else None
            )
        return self._docs[name]

    def title(self, name: str) -> str:
        doc = self._doc(name)
        return doc.title if doc else Path(name).stem

    def problem(self, clause: Clause) -> str | None:
        """Why ``clause`` is not found in its document, or None when it is."""
        doc = self._doc(clause.doc)
        if doc is None:
            return f"document '{clause.doc}' does not exist in {self.docs_dir}"
        wanted = squeeze(clause.section).lstrip("#")
        body = next(
            (text for heading, text in doc.sections.items() if squeeze(heading) == wanted), None
        )
        if body is None:
            return f"'{clause.doc}' has no heading '{clause.section}'"
        if squeeze(clause.quote) not in squeeze(body):
            return f"'{clause.doc}' § '{clause.section}' does not contain '{clause.quote}'"
        return None


def unverified_clauses(catalogue: Catalogue, docs_dir: Path) -> list[str]:
    """A problem line for every cited clause not found in its document (empty: all fine)."""
    shelf = DocumentShelf(docs_dir)
    problems = []
    for clause in catalogue.clauses():
        problem = shelf.problem(clause)
        if problem:
            problems.append(problem)
    return sorted(set(problems))
