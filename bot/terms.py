"""The one vocabulary: ``knowledge/terms.yaml``, read and validated once.

Every programme, subsidy, service and subject a graduate may name, with every way they name it
(official names, aliases, everyday wording, common misspellings, English cues), keyed by the
resources.yaml id where the term names a catalogue entry. Retrieval (``bot.knowledge.query``),
answering and condensing (``bot.chat.glossary``) and profile extraction
(``bot.planning.extract``) all read it from here, so 当兵 means the same thing to each of them.
This module only loads and checks the file; what each reader does with it is its own business.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ConfigError
from bot.resources import data_path

DEFAULT_TERMS = data_path("knowledge", "terms.yaml")


class Term(BaseModel):
    """One term; see the comments at the top of ``knowledge/terms.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    zh: str = Field(min_length=1)
    en: str
    aliases: list[str] = Field(default_factory=list)
    colloquial: list[str] = Field(default_factory=list)
    misspellings: list[str] = Field(default_factory=list)
    cues: list[str] = Field(default_factory=list)
    topic: bool = True
    subject: bool = False
    expand: list[str] = Field(default_factory=list)
    path: str | None = None
    circumstance: str | None = None
    profile_words: list[str] = Field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """The Chinese term and its other official names."""
        return [self.zh, *self.aliases]

    @property
    def forms(self) -> list[str]:
        """Every way a text may name the term: names, everyday forms and misspellings."""
        return [*self.names, *self.colloquial, *self.misspellings]


class TermsFile(BaseModel):
    """The whole file: the terms, and the words that are no term of their own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    terms: list[Term]
    keep_whole: list[str] = Field(default_factory=list)
    english: dict[str, list[str]] = Field(default_factory=dict)
    colloquial: dict[str, list[str]] = Field(default_factory=dict)
    digest: str = ""  # hash of the file, so a changed vocabulary rebuilds the lexical index

    def by_id(self) -> dict[str, Term]:
        return {t.id: t for t in self.terms}


def parse_terms(raw: bytes, where: str) -> TermsFile:
    """Validate the bytes of a terms file; errors name the file, the term and the field."""
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise ConfigError(
            f"{where}: not valid YAML ({error})", message_zh=f"{where}：YAML 格式错误（{error}）"
        ) from error
    if not isinstance(data, dict) or "terms" not in data:
        raise ConfigError(
            f"{where}: expected a mapping with a 'terms' list",
            message_zh=f"{where}：应为包含 terms 列表的映射",
        )
    try:
        parsed = TermsFile.model_validate({**data, "digest": hashlib.sha256(raw).hexdigest()[:16]})
    except ValidationError as error:
        first = error.errors()[0]
        loc = list(first["loc"])
        if len(loc) >= 2 and loc[0] == "terms" and isinstance(loc[1], int):
            term = (data.get("terms") or [])[loc[1]]
            name = term.get("id", f"#{loc[1] + 1}") if isinstance(term, dict) else f"#{loc[1]}"
            loc = [f"terms[{name}]", *loc[2:]]
        field = ".".join(str(p) for p in loc)
        raise ConfigError(
            f"{where}: field '{field}': {first['msg']}",
            message_zh=f"{where}：字段“{field}”有误：{first['msg']}",
        ) from error
    seen: set[str] = set()
    for term in parsed.terms:
        if term.id in seen:
            raise ConfigError(
                f"{where}: term id {term.id!r} appears twice",
                message_zh=f"{where}：术语 id {term.id} 重复",
            )
        seen.add(term.id)
    return parsed


@functools.cache
def _load(path: Path, mtime_ns: int) -> TermsFile:
    return parse_terms(path.read_bytes(), str(path))


def load_terms(path: Path | None = None) -> TermsFile:
    """The terms file (``knowledge/terms.yaml`` by default), cached until it changes."""
    path = path or DEFAULT_TERMS
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as error:
        raise ConfigError(
            f"{path}: the terms file cannot be read ({error.strerror})",
            message_zh=f"{path}：无法读取术语文件（{error.strerror}）",
        ) from error
    return _load(path, stamp)
