"""A graduate's profile: what the planner knows about them, every field optional.

``None`` always means "not known yet" and an empty list means "known: none", so eligibility can
tell an unanswered question from a negative answer. Coded fields (education, paths,
circumstances, discipline, political status, employment, provinces) accept a code, the Chinese
label or an alias and are stored as codes from :mod:`bot.planning.vocabulary`.
:func:`load_profile` reads YAML and reports a mistake by the field's name. Free text is turned
into a profile by :mod:`bot.planning.extract`, not here.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import ValidationFailed
from bot.planning import vocabulary as vocab

_FIELD_KINDS = {
    "education": "education",
    "discipline": "discipline",
    "political_status": "political_status",
    "paths": "paths",
    "circumstances": "circumstances",
    "employment": "employment",
}


def _coded(kind: str, value: Any) -> str:
    code = vocab.to_code(kind, str(value))
    if code is None:
        known = "、".join(zh for zh, _ in vocab.table(kind).values())
        raise ValueError(f"'{value}' is not a known {kind} value (known: {known})")
    return code


def _province(value: Any) -> str:
    code = vocab.to_province(str(value))
    if code is None:
        raise ValueError(f"'{value}' is not a province or major city of China")
    return code


def parse_graduation(value: Any) -> date:
    """A graduation date from a date, a year (2026 → 2026-06-30) or 'YYYY-MM' / 'YYYY-MM-DD'."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text):
        return date(int(text), 6, 30)
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", text)
    if match:
        return date(int(match[1]), int(match[2]), 28 if int(match[2]) == 2 else 30)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{value}' is not a date; write 2026, 2026-06 or 2026-06-30") from None


class Profile(BaseModel):
    """What is known about one graduate; ``None`` is unknown, ``[]`` is known-empty."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str | None = None
    language: Literal["zh", "en"] | None = Field(default=None, description="Answer language.")
    education: str | None = Field(default=None, description="zhuanke / bachelor / master / phd.")
    major: str | None = None
    discipline: str | None = Field(default=None, description="学科门类, e.g. engineering (工学).")
    school: str | None = None
    graduation_date: date | None = Field(
        default=None, description="When they leave (or left) school; a year means June 30."
    )
    home_province: str | None = None
    hukou_province: str | None = Field(default=None, description="Where their hukou is.")
    target_regions: list[str] | None = Field(
        default=None, description="Provinces they want to work in (major cities map to them)."
    )
    interests: list[str] | None = None
    strengths: list[str] | None = None
    paths: list[str] | None = Field(default=None, description="Preferred paths, e.g. 考研, 创业.")
    circumstances: list[str] | None = Field(
        default=None, description="脱贫家庭, 低保家庭, 残疾, 国家助学贷款, 退役军人 …"
    )
    nationality: str | None = Field(default=None, description="'中国' or the country.")
    age: int | None = Field(default=None, ge=14, le=80)
    political_status: str | None = None
    student_leader: bool | None = Field(
        default=None,
        description="Was a student leader (学生干部) or won a school-level award.",
    )
    employed: bool | None = Field(default=None, description="Has a job now (flexible work counts).")
    employment: str | None = Field(
        default=None,
        description="employer / flexible (self-employed, part-time, platform, freelance) / none.",
    )
    own_social_insurance: bool | None = Field(
        default=None,
        description="Pays their own social insurance as a flexible worker (灵活就业人员参保).",
    )
    registered_unemployed: bool | None = Field(
        default=None, description="Has registered as unemployed (失业登记) with the local office."
    )

    @field_validator("education", "discipline", "political_status", "employment", mode="before")
    @classmethod
    def _code_one(cls, value: Any, info: Any) -> Any:
        if value is None:
            return None
        return _coded(_FIELD_KINDS[info.field_name], value)

    @field_validator("paths", "circumstances", mode="before")
    @classmethod
    def _code_many(cls, value: Any, info: Any) -> Any:
        if value is None:
            return None
        items = [value] if isinstance(value, str) else list(value)
        codes = [_coded(_FIELD_KINDS[info.field_name], item) for item in items]
        return list(dict.fromkeys(codes))

    @field_validator("home_province", "hukou_province", mode="before")
    @classmethod
    def _province_one(cls, value: Any) -> Any:
        return None if value is None else _province(value)

    @field_validator("target_regions", mode="before")
    @classmethod
    def _province_many(cls, value: Any) -> Any:
        if value is None:
            return None
        items = [value] if isinstance(value, str) else list(value)
        return list(dict.fromkeys(_province(item) for item in items))

    @field_validator("interests", "strengths", mode="before")
    @classmethod
    def _text_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in re.split(r"[,，、;；]", value) if part.strip()]
        return value

    @field_validator("graduation_date", mode="before")
    @classmethod
    def _graduation(cls, value: Any) -> Any:
        return None if value is None else parse_graduation(value)

    @field_validator("nationality", mode="before")
    @classmethod
    def _nationality(cls, value: Any) -> Any:
        if value is None:
            return None
        return vocab.CHINA if vocab.is_china(str(value)) else str(value).strip()

    def merged(self, newer: Profile) -> Profile:
        """This profile with every field that ``newer`` knows taken from ``newer``."""
        data = self.model_dump()
        told = newer.model_dump(exclude_none=True)
        # `employed` and `employment` describe one situation: a newer answer about one of them
        # replaces an older answer about the other that it contradicts ("还没工作" → "上班了").
        if "employment" in told and "employed" not in told:
            data["employed"] = None
        if "employed" in told and "employment" not in told:
            older = data.get("employment")
            if older is not None and (older != "none") != told["employed"]:
                data["employment"] = None
        data.update(told)
        return Profile.model_validate(data)

    def known_fields(self) -> list[str]:
        return [name for name, value in self if value is not None]


def profile_from_mapping(data: Any, *, source: str = "profile") -> Profile:
    """Validate a mapping; a mistake raises :class:`ValidationFailed` naming the field."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            f"{source}: expected a mapping of field: value",
            message_zh=f"{source}：应为“字段: 值”的映射",
        )
    try:
        return Profile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "?"
        reason = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            known = ", ".join(Profile.model_fields)
            reason = f"unknown field (known fields: {known})"
        raise ValidationFailed(
            f"{source}: field '{field}': {reason}",
            message_zh=f"{source}：字段“{field}”有误：{reason}",
        ) from None


def load_profile(path: Path) -> Profile:
    """Read a profile from a YAML file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValidationFailed(
            f"{path}: cannot read the profile ({error.strerror})",
            message_zh=f"{path}：无法读取画像文件（{error.strerror}）",
        ) from None
    except yaml.YAMLError as error:
        raise ValidationFailed(
            f"{path}: not valid YAML ({error})", message_zh=f"{path}：不是有效的 YAML（{error}）"
        ) from None
    except ValueError as error:  # YAML reads 2027-13-01 as a date and the calendar refuses it
        raise ValidationFailed(
            f"{path}: a date in it does not exist ({error}); write it as YYYY-MM-DD, e.g. "
            "2027-06-30",
            message_zh=f"{path}：其中有不存在的日期（{error}），请写成 2027-06-30 这样的格式",
        ) from None
    return profile_from_mapping(data or {}, source=str(path))
