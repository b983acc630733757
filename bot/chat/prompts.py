"""Prompt templates: files in ``prompts/`` loaded by name and language, rendered strictly.

A template is ``prompts/<name>.<lang>.md`` (``lang`` is ``zh`` or ``en``). Variables are written
``{{ name }}``. Rendering raises :class:`PromptError` when a variable the template uses is not
given, and when a given variable is not used (a typo on either side fails loudly instead of
sending a half-filled prompt). No prompt text lives in Python; this module only reads and fills.
It leaves out conditionals and loops on purpose: callers build lists before rendering.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from bot.errors import ConfigError
from bot.resources import data_path

logger = logging.getLogger(__name__)

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
LANGUAGES = ("zh", "en")


class PromptError(ConfigError):
    """A prompt file is missing, or was rendered with missing or unused variables."""


def default_prompts_dir() -> Path:
    """``prompts/`` at the root of the source tree (the package is installed editable)."""
    return data_path("prompts")


class PromptLibrary:
    """Reads ``prompts/*.md`` lazily and renders them strictly."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or default_prompts_dir()
        self._cache: dict[tuple[str, str], str] = {}

    def names(self) -> list[tuple[str, str]]:
        """Every (name, lang) pair present in the folder, sorted."""
        found = []
        for path in sorted(self.directory.glob("*.md")):
            stem, _, lang = path.stem.rpartition(".")
            if stem and lang in LANGUAGES:
                found.append((stem, lang))
        return found

    def source(self, name: str, lang: str) -> str:
        """The raw template text of ``name`` in ``lang``."""
        key = (name, lang)
        if key not in self._cache:
            path = self.directory / f"{name}.{lang}.md"
            if not path.is_file():
                raise PromptError(
                    f"prompt file {path} is missing",
                    message_zh=f"提示词文件 {path} 不存在",
                )
            self._cache[key] = path.read_text(encoding="utf-8").strip()
        return self._cache[key]

    def variables(self, name: str, lang: str) -> set[str]:
        """The variable names the template uses."""
        return set(_VARIABLE.findall(self.source(name, lang)))

    def render(self, name: str, lang: str, **values: object) -> str:
        """Fill ``name`` in ``lang``; every used variable must be given and every given used."""
        text = self.source(name, lang)
        wanted = set(_VARIABLE.findall(text))
        missing = sorted(wanted - values.keys())
        unused = sorted(values.keys() - wanted)
        if missing or unused:
            raise PromptError(
                f"prompt {name}.{lang}.md: missing variables {missing}, unused variables {unused}",
                message_zh=f"提示词 {name}.{lang}.md：缺少变量 {missing}，多余变量 {unused}",
            )
        return _VARIABLE.sub(lambda match: str(values[match.group(1)]), text)
