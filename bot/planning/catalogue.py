"""The resource catalogue: programmes, subsidies, loans and services, each tied to its sources.

``knowledge/resources.yaml`` lists resources (with machine-checkable eligibility conditions),
calendar events (recruitment and exam windows) and directions (skills per preferred path).
Every condition, amount, application step, channel, skill and dated event cites a clause of a
knowledge-base document (file, ``##`` section heading, quote); an event with no clause must say
it is only ``typical``. :func:`load_catalogue` validates the file with pydantic and turns any
mistake into :class:`ValidationFailed` naming the entry id and the field. Whether each quoted
clause really appears in its document is checked by :mod:`bot.planning.clauses`.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.errors import ValidationFailed
from bot.planning import vocabulary as vocab
from bot.planning.fields import FIELDS, LIST_OPERATORS, OPERATORS, WINDOW_FIELDS
from bot.resources import data_path

Op = Literal[
    "eq",
    "ne",
    "in",
    "not_in",
    "lt",
    "lte",
    "gt",
    "gte",
    "between",
    "contains",
    "intersects",
    "excludes",
    "check",
]
Kind = Literal["programme", "subsidy", "loan", "service", "exam", "permit"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Clause(_Strict):
    """Where a statement comes from: a knowledge-base document, its section and a quote."""

    doc: str = Field(pattern=r"^[\w./-]+\.md$", description="File under knowledge/docs/.")
    section: str = Field(min_length=1, description="The ## heading, without the hashes.")
    quote: str = Field(min_length=4, description="Text that appears in that section.")


class Claim(Bilingual):
    """A statement shown to a graduate, with the clause that supports it."""

    clause: Clause


class Condition(_Strict):
    """One eligibility condition: ``field op value``, or ``any_of`` alternatives."""

    field: str | None = None
    op: Op | None = None
    value: Any = None
    any_of: list[Condition] | None = None
    text: Bilingual  # the condition as a person reads it
    clause: Clause | None = None  # required at the top level, inherited by alternatives
    ask: Bilingual | None = None  # question when unknown; defaults to the field's question

    @model_validator(mode="after")
    def _shape(self) -> Condition:
        if self.any_of is not None:
            if self.field or self.op or self.value is not None:
                raise ValueError("use either any_of or field/op/value, not both")
            if len(self.any_of) < 2:
                raise ValueError("any_of needs at least two alternatives")
            return self
        if self.field is None or self.op is None:
            raise ValueError("field and op are required (or any_of)")
        if self.op == "check":
            if self.value is not None:
                raise ValueError("operator 'check' takes no value (the source gives no figure)")
            if self.ask is None:
                raise ValueError("operator 'check' needs ask: what the graduate should check")
        _check_field_op_value(self.field, self.op, self.value)
        return self

    def fields(self) -> set[str]:
        """Every field this condition or its alternatives test."""
        found = {self.field} if self.field else set()
        for alternative in self.any_of or []:
            found |= alternative.fields()
        return found


def _check_field_op_value(field: str, op: str, value: Any) -> None:
    spec = FIELDS.get(field)
    if spec is None:
        raise ValueError(f"unknown field '{field}' (known: {', '.join(FIELDS)})")
    if op not in OPERATORS[spec.kind]:
        raise ValueError(
            f"operator '{op}' does not suit field '{field}' "
            f"(use one of {', '.join(sorted(OPERATORS[spec.kind]))})"
        )
    if op == "check":
        return
    if op in LIST_OPERATORS and spec.kind in {"codes", "provinces"} | {"code", "province"}:
        if not isinstance(value, list) or not value:
            raise ValueError(f"operator '{op}' needs a non-empty list as value")
        items = value
    elif op == "between":
        if not (isinstance(value, list) and len(value) == 2):
            raise ValueError("operator 'between' needs [low, high]")
        items = value
    else:
        items = [value]
    for item in items:
        _check_value(field, spec.kind, spec.vocabulary, item)


def _check_value(field: str, kind: str, table: str | None, item: Any) -> None:
    if kind in {"code", "codes"} and table and item not in vocab.table(table):
        raise ValueError(
            f"value '{item}' is not a {table} code for field '{field}' "
            f"(codes: {', '.join(vocab.table(table))})"
        )
    if kind in {"province", "provinces"} and item not in vocab.PROVINCES:
        raise ValueError(f"value '{item}' is not a province short name for field '{field}'")
    if kind == "int" and not isinstance(item, int):
        raise ValueError(f"value '{item}' must be a whole number for field '{field}'")
    if kind == "bool" and not isinstance(item, bool):
        raise ValueError(f"value '{item}' must be true or false for field '{field}'")


class Event(_Strict):
    """A dated window: recruitment, an exam, an application period (months of the year)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: Bilingual
    months: list[int] = Field(min_length=1)
    paths: list[str] = Field(default_factory=list, description="Empty: relevant to everyone.")
    # relative to leaving school; final_year: the twelve months before it;
    # pre_final_year: the twelve months before those
    phase: Literal["before", "pre_final_year", "final_year", "after", "any"] = "any"
    clause: Clause | None = None
    typical: bool = False  # only the usual timing (the source says so, or no source): check

    @model_validator(mode="after")
    def _sourced(self) -> Event:
        if any(not 1 <= m <= 12 for m in self.months):
            raise ValueError("months must be between 1 and 12")
        bad = [p for p in self.paths if p not in vocab.PATHS]
        if bad:
            raise ValueError(f"unknown path code(s) {bad} (codes: {', '.join(vocab.PATHS)})")
        if self.clause is None and not self.typical:
            raise ValueError("an event needs a clause, or typical: true")
        return self


class Resource(_Strict):
    """A programme, subsidy, loan or service a graduate may use."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: Bilingual
    kind: Kind
    summary: Claim
    paths: list[str] = Field(default_factory=list, description="Paths it serves; empty: all.")
    conditions: list[Condition] = Field(default_factory=list)
    amount: Claim | None = None
    regional: bool = False  # amounts and details are set by each province
    local_conditions: bool = False  # who qualifies is itself set locally: never "likely"
    targeted: bool = False  # for one group only (veterans, foreigners): not listed as "not for you"
    local_rule: Bilingual | None = None  # where to find the local rule when regional
    apply: list[Claim] = Field(min_length=1)
    channel: Claim
    region: str = "全国"
    windows: list[Event] = Field(default_factory=list)
    valid_from: date | None = None
    valid_until: date | None = None
    last_checked: date

    @model_validator(mode="after")
    def _consistent(self) -> Resource:
        bad = [p for p in self.paths if p not in vocab.PATHS]
        if bad:
            raise ValueError(f"unknown path code(s) {bad}")
        for condition in self.conditions:
            if condition.clause is None:
                raise ValueError(f"condition '{condition.text.zh}' has no clause")
            if condition.fields() & WINDOW_FIELDS and not self.windows:
                raise ValueError(
                    f"condition '{condition.text.zh}' is relative to the application window, "
                    "but the resource has no windows"
                )
        if (self.regional or self.local_conditions) and self.local_rule is None:
            raise ValueError("regional: true needs local_rule (where to find the local rule)")
        if self.region != "全国" and self.region not in vocab.PROVINCES:
            raise ValueError(f"region '{self.region}' must be 全国 or a province short name")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self

    def clauses(self) -> list[Clause]:
        """Every clause the entry cites."""
        found = [self.summary.clause, self.channel.clause, *(c.clause for c in self.apply)]
        if self.amount:
            found.append(self.amount.clause)
        for condition in self.conditions:
            found.extend(_condition_clauses(condition))
        found.extend(e.clause for e in self.windows if e.clause)
        return found


def _condition_clauses(condition: Condition) -> list[Clause]:
    found = [condition.clause] if condition.clause else []
    for alternative in condition.any_of or []:
        found.extend(_condition_clauses(alternative))
    return found


class Direction(_Strict):
    """What to build for one preferred path: skills and first steps."""

    skills: list[Claim] = Field(min_length=1)
    first_steps: list[Claim] = Field(default_factory=list)


class Topic(_Strict):
    """Skills for an interest or field (AI, teaching …), or for everyone when ``always``."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: Bilingual
    keywords: list[str] = Field(default_factory=list)  # matched in interests, strengths, major
    always: bool = False
    skills: list[Claim] = Field(min_length=1)

    @model_validator(mode="after")
    def _reachable(self) -> Topic:
        if not self.always and not self.keywords:
            raise ValueError("a topic needs keywords, or always: true")
        return self


class Catalogue(_Strict):
    """The whole validated catalogue."""

    version: int = 1
    resources: list[Resource]
    calendar: list[Event] = Field(default_factory=list)
    directions: dict[str, Direction] = Field(default_factory=dict)
    topics: list[Topic] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> Catalogue:
        seen: set[str] = set()
        for item_id in [r.id for r in self.resources] + [e.id for e in self.calendar]:
            if item_id in seen:
                raise ValueError(f"duplicate id '{item_id}'")
            seen.add(item_id)
        bad = [key for key in self.directions if key not in vocab.PATHS]
        if bad:
            raise ValueError(f"directions: unknown path code(s) {bad}")
        return self

    def get(self, resource_id: str) -> Resource:
        for resource in self.resources:
            if resource.id == resource_id:
                return resource
        raise KeyError(resource_id)

    def clauses(self) -> list[Clause]:
        found = [c for r in self.resources for c in r.clauses()]
        found.extend(e.clause for e in self.calendar if e.clause)
        for direction in self.directions.values():
            found.extend(c.clause for c in [*direction.skills, *direction.first_steps])
        found.extend(s.clause for topic in self.topics for s in topic.skills)
        return found


def default_catalogue_path() -> Path:
    """``knowledge/resources.yaml`` of the source tree this package runs from."""
    return data_path("knowledge", "resources.yaml")


def _where(data: Any, loc: tuple[Any, ...]) -> tuple[str, str]:
    """(entry label, field path) for a pydantic error location in the raw catalogue data."""
    if len(loc) >= 2 and loc[0] in {"resources", "calendar", "topics"} and isinstance(loc[1], int):
        try:
            entry_id = data[loc[0]][loc[1]].get("id", f"#{loc[1] + 1}")
        except (KeyError, IndexError, TypeError, AttributeError):
            entry_id = f"#{loc[1] + 1}"
        rest = loc[2:]
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest).lstrip(".")
        return f"{loc[0]} entry '{entry_id}'", field or "(entry)"
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    return "catalogue", field or "(top level)"


def parse_catalogue(data: Any, *, source: str = "resources.yaml") -> Catalogue:
    """Validate already-parsed YAML data."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            f"{source}: expected a mapping with 'resources'",
            message_zh=f"{source}：顶层应为包含 resources 的映射",
        )
    try:
        return Catalogue.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        entry, field = _where(data, tuple(first["loc"]))
        # Tagged-union noise: keep the innermost, most useful message.
        reason = re.sub(r"^(Value error|Assertion failed), ", "", first["msg"])
        if first["type"] == "extra_forbidden":
            reason = "unknown field"
        elif first["type"] == "missing":
            reason = "required field is missing"
        raise ValidationFailed(
            f"{source}: {entry}, field '{field}': {reason}",
            message_zh=f"{source}：{entry}，字段“{field}”有误：{reason}",
        ) from None


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and validate the catalogue (default ``knowledge/resources.yaml``)."""
    path = path or default_catalogue_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValidationFailed(
            f"{path}: cannot read the catalogue ({error.strerror})",
            message_zh=f"{path}：无法读取资源目录（{error.strerror}）",
        ) from None
    except yaml.YAMLError as error:
        raise ValidationFailed(
            f"{path}: not valid YAML ({error})", message_zh=f"{path}：不是有效的 YAML（{error}）"
        ) from None
    return parse_catalogue(data, source=str(path))
