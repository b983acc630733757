"""Crisis resources from ``knowledge/crisis.yaml``: hotlines with their source and check date.

Only reads and validates the file; the caring reply itself is a prompt
(``prompts/distress.*.md``) filled by the coach.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from bot.errors import ConfigError


class CrisisResource(BaseModel):
    name_zh: str
    name_en: str
    number: str
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
        """One Markdown bullet per resource in ``lang``."""
        out = []
        for item in self.resources:
            if lang == "zh":
                out.append(f"- {item.name_zh}：**{item.number}**（{item.hours_zh}）")
            else:
                out.append(f"- {item.name_en}: **{item.number}** ({item.hours_en})")
        return "\n".join(out)

    def note(self, lang: str) -> str:
        return self.note_zh if lang == "zh" else self.note_en


def default_crisis_path() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "knowledge" / "crisis.yaml"


def load_crisis(path: Path | None = None) -> CrisisResources:
    """Read and validate the crisis file; a broken file is a :class:`ConfigError`."""
    path = path or default_crisis_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return CrisisResources.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise ConfigError(
            f"crisis resources file {path} is invalid: {error}",
            message_zh=f"危机求助资源文件 {path} 无效：{error}",
        ) from error
