"""Crisis resources from ``knowledge/crisis.yaml``: hotlines with their source and check date.

Reads and validates the file and renders the hotlines as Markdown bullets whose numbers are
``tel:`` links (a tap calls them on a phone). The file's ``note_*`` is a reminder for
maintainers (re-verify before each release): :meth:`CrisisResources.maintainer_note` gives it to
the maintainer's tools, and nothing shown to a graduate contains it. The caring reply itself is
a prompt (``prompts/distress.*.md``, and ``distress_lines.*.md`` appended to an ordinary answer
when the concern is lower) filled by the coach.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from bot.errors import ConfigError
from bot.resources import data_path


class CrisisResource(BaseModel):
    name_zh: str
    name_en: str
    number: str = Field(pattern=r"^[0-9-]{3,20}$")  # dialable as it is: it becomes a tel: link
    hours_zh: str = ""
    hours_en: str = ""
    source: str
    checked: date


class CrisisResources(BaseModel):
    checked: date
    note_zh: str
    note_en: str
    resources: list[CrisisResource]

    def lines(self, lang: str) -> str:
        """One Markdown bullet per resource in ``lang``, the number as a ``tel:`` link."""
        out = []
        for item in self.resources:
            call = f"**[{item.number}](tel:{item.number})**"
            if lang == "zh":
                hours = f"（{item.hours_zh}）" if item.hours_zh else ""
                out.append(f"- {item.name_zh}：{call}{hours}")
            else:
                hours = f" ({item.hours_en})" if item.hours_en else ""
                out.append(f"- {item.name_en}: {call}{hours}")
        return "\n".join(out)

    def maintainer_note(self, lang: str) -> str:
        """The re-verify reminder for maintainers; never part of a graduate's reply."""
        return self.note_zh if lang == "zh" else self.note_en


def default_crisis_path() -> Path:
    return data_path("knowledge", "crisis.yaml")


def load_crisis(path: Path | None = None) -> CrisisResources:
    """Read and validate the crisis file; a broken file is a :class:`ConfigError`."""
    path = path or default_crisis_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return CrisisResources.model_validate(raw)
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(
            f"crisis resources file {path} is invalid: {error}",
            message_zh=f"危机求助资源文件 {path} 无效：{error}",
        ) from error
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise ConfigError(
            f"crisis resources file {path}: field '{where}': {first['msg']}",
            message_zh=f"危机求助资源文件 {path}：字段“{where}”有误：{first['msg']}",
        ) from error
