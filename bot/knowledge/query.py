"""Query normalisation and glossary expansion for retrieval.

A query is normalised once (NFKC, so full-width letters and digits match half-width text, and
runs of white space collapse). The dense side embeds the normalised query as is: multilingual e5
already maps English and Chinese into one space. The lexical side cannot, so English words and
everyday Chinese wording found in the query are expanded with the Chinese terms official texts use,
from the terms file ``knowledge/terms.yaml`` (``bot.terms``; a custom glossary file in the older
keep_whole / english / colloquial form still loads). What it leaves out: tokenisation
(``lexical``) and any rewriting of the question from the conversation (the answering engine does
that).
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.errors import ConfigError
from bot.settings import Settings
from bot.terms import DEFAULT_TERMS, TermsFile, parse_terms

log = logging.getLogger(__name__)

DEFAULT_GLOSSARY = DEFAULT_TERMS
_SPACES = re.compile(r"\s+")


def normalize_query(text: str) -> str:
    """NFKC-normalise, trim and collapse white space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


@dataclass(frozen=True)
class Glossary:
    """Words to keep whole, English -> Chinese terms, colloquial -> official Chinese terms."""

    keep_whole: tuple[str, ...] = ()
    english: dict[str, tuple[str, ...]] = field(default_factory=dict)
    colloquial: dict[str, tuple[str, ...]] = field(default_factory=dict)
    digest: str = ""  # hash of the file, so a changed glossary rebuilds the lexical index

    def expansions(self, query: str) -> list[str]:
        """Chinese terms to add to the lexical query for ``query`` (already normalised)."""
        lowered = query.lower()
        found: list[str] = []
        # Longest phrases first, and a matched phrase hides the words inside it
        # ("guaranteed loan" should not also add the generic terms of "loan" twice).
        for phrase in sorted(self.english, key=len, reverse=True):
            pattern = r"(?<![a-z0-9])" + re.escape(phrase) + r"(?![a-z0-9])"
            if re.search(pattern, lowered):
                found.extend(self.english[phrase])
                lowered = re.sub(pattern, " ", lowered)
        for phrase, terms in self.colloquial.items():
            if phrase in query:
                found.extend(terms)
        return list(dict.fromkeys(found))


def glossary_path(settings: Settings) -> Path:
    return settings.glossary_file or DEFAULT_GLOSSARY


def load_glossary(path: Path) -> Glossary:
    """Read a glossary YAML file; a missing default file gives an empty glossary."""
    if not path.is_file():
        log.warning("glossary %s not found; lexical search runs without it", path)
        return Glossary()
    raw = path.read_bytes()
    try:
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"{path}: not valid YAML ({exc})", message_zh=f"{path}：YAML 格式错误（{exc}）"
        ) from exc
    if isinstance(data, dict) and "terms" in data:
        return from_terms(parse_terms(raw, str(path)))
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: expected a mapping with keep_whole / english / colloquial",
            message_zh=f"{path}：应为包含 keep_whole / english / colloquial 的映射",
        )
    return Glossary(
        keep_whole=tuple(str(w) for w in data.get("keep_whole") or []),
        english=_term_map(path, "english", data.get("english")),
        colloquial=_term_map(path, "colloquial", data.get("colloquial")),
        digest=hashlib.sha256(raw).hexdigest()[:16],
    )


def from_terms(terms: TermsFile) -> Glossary:
    """The retrieval glossary of the terms file: every Chinese name of a term kept whole, its
    English cues and everyday forms expanded to its official names (and ``expand`` words), and
    the file's own word lists."""
    keep = [*dict.fromkeys([n for t in terms.terms for n in t.names] + terms.keep_whole)]
    english: dict[str, tuple[str, ...]] = {}
    colloquial: dict[str, tuple[str, ...]] = {}
    for term in terms.terms:
        official = (*term.names, *term.expand)
        for cue in term.cues:
            english[cue.lower()] = tuple(dict.fromkeys([*english.get(cue.lower(), ()), *official]))
        for form in [*term.colloquial, *term.misspellings]:
            colloquial[form] = tuple(
                dict.fromkeys([*colloquial.get(form, ()), term.zh, *term.expand])
            )
    for phrase, words in terms.english.items():
        english[phrase.lower()] = tuple(dict.fromkeys([*english.get(phrase.lower(), ()), *words]))
    for phrase, words in terms.colloquial.items():
        colloquial[phrase] = tuple(dict.fromkeys([*colloquial.get(phrase, ()), *words]))
    return Glossary(tuple(keep), english, colloquial, terms.digest)


def _term_map(path: Path, key: str, value: object) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(
            f"{path}: field '{key}' must map a phrase to a list of terms",
            message_zh=f"{path}：字段 '{key}' 应为“短语 → 词语列表”的映射",
        )
    out: dict[str, tuple[str, ...]] = {}
    for phrase, terms in value.items():
        if isinstance(terms, str):
            terms = [terms]
        if not isinstance(terms, list):
            raise ConfigError(
                f"{path}: '{key}.{phrase}' must be a list of terms",
                message_zh=f"{path}：'{key}.{phrase}' 应为词语列表",
            )
        out[str(phrase).lower() if key == "english" else str(phrase)] = tuple(map(str, terms))
    return out
