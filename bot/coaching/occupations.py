"""The occupation catalogue: ``knowledge/occupations.yaml`` validated, searched and checked.

Each occupation has a name (zh, en), disciplines (codes of :mod:`bot.planning.vocabulary`), a
RIASEC code, typical majors, entry routes, certificates, core skills and growth fields. Every fact
names a source of the file's ``sources`` table: a 职业分类大典 (2022) code only where one was found
(unknown stays empty), certificates from the national qualification list, routes with a clause of
``knowledge/docs/`` and the ``resources.yaml`` programmes that lead there. :func:`load_occupations`
turns any mistake into :class:`ValidationFailed` naming the entry and the field;
:func:`check_catalogue` is the cross-check CI runs (sources, clauses, the reference paper's
quotes, resources reachable). :func:`search` is the plain filter behind ``occupations search``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.errors import ValidationFailed
from bot.planning import vocabulary as vocab
from bot.planning.catalogue import Bilingual, Catalogue, Clause
from bot.planning.clauses import DocumentShelf, squeeze
from bot.resources import data_path

_ID = r"^[a-z0-9][a-z0-9_-]*$"
_DADIAN = r"^[1-8]-\d{2}-\d{2}-\d{2}$"
EMPLOYMENT_KINDS = {"programme", "exam", "loan", "permit"}  # resources that lead somewhere


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    title: str = Field(min_length=4)
    publisher: str | None = None
    url: str | None = Field(default=None, pattern=r"^https?://")
    file: str | None = None  # a file under ../shared/ whose quotes can be checked


class GrowthField(_Strict):
    name: Bilingual
    source: str
    quote: str = Field(min_length=2)
    clause: Clause | None = None


class Route(_Strict):
    name: Bilingual
    resources: list[str] = Field(default_factory=list)
    clause: Clause


class Certificate(_Strict):
    name: Bilingual
    category: Literal["access", "level"]
    authority: str
    source: str


class Skill(_Strict):
    zh: str
    en: str
    keywords: list[str] = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Dadian(_Strict):
    code: str = Field(pattern=_DADIAN)
    title: str
    source: str
    checked: Literal["primary", "secondary"]
    via: str = Field(min_length=8)


class Riasec(_Strict):
    code: str = Field(pattern=r"^[RIASEC]{3}$")
    source: str

    @model_validator(mode="after")
    def _distinct(self) -> Riasec:
        if len(set(self.code)) != 3:
            raise ValueError(f"RIASEC code '{self.code}' repeats a letter")
        return self


class Occupation(_Strict):
    id: str = Field(pattern=_ID)
    name: Bilingual
    disciplines: list[str] = Field(min_length=1)
    dadian: Dadian | None = None
    riasec: Riasec
    majors: list[str] = Field(min_length=1)
    routes: list[str] = Field(min_length=1)
    certificates: list[str] = Field(default_factory=list)
    skills: list[str] = Field(min_length=1)
    growth: list[str] = Field(default_factory=list)
    resources: list[str] = Field(default_factory=list)  # beyond those of its routes
    requires: Literal["major", "phd"] | None = None  # entered only from its majors / with a PhD

    @model_validator(mode="after")
    def _codes(self) -> Occupation:
        bad = [d for d in self.disciplines if d not in vocab.DISCIPLINES]
        if bad:
            raise ValueError(
                f"unknown discipline code(s) {bad} (codes: {', '.join(vocab.DISCIPLINES)})"
            )
        return self


class OccupationCatalogue(_Strict):
    version: int = 1
    sources: dict[str, Source]
    growth_fields: dict[str, GrowthField]
    routes: dict[str, Route]
    certificates: dict[str, Certificate]
    skills: dict[str, Skill]
    major_aliases: dict[str, list[str]] = Field(default_factory=dict)
    occupations: list[Occupation]

    @model_validator(mode="after")
    def _references(self) -> OccupationCatalogue:
        def need(kind: str, table: dict[str, Any], value: str, where: str) -> None:
            if value not in table:
                raise ValueError(f"{where}: unknown {kind} '{value}'")

        for gid, growth in self.growth_fields.items():
            need("source", self.sources, growth.source, f"growth field '{gid}'")
        for cid, cert in self.certificates.items():
            need("source", self.sources, cert.source, f"certificate '{cid}'")
        seen: set[str] = set()
        for occ in self.occupations:
            where = f"occupation '{occ.id}'"
            if occ.id in seen:
                raise ValueError(f"duplicate occupation id '{occ.id}'")
            seen.add(occ.id)
            need("source", self.sources, occ.riasec.source, where)
            if occ.dadian:
                need("source", self.sources, occ.dadian.source, where)
            for route in occ.routes:
                need("route", self.routes, route, where)
            for cert_id in occ.certificates:
                need("certificate", self.certificates, cert_id, where)
            for skill in occ.skills:
                need("skill", self.skills, skill, where)
            for growth_id in occ.growth:
                need("growth field", self.growth_fields, growth_id, where)
        return self

    def get(self, occupation_id: str) -> Occupation:
        for occ in self.occupations:
            if occ.id == occupation_id:
                return occ
        raise ValidationFailed(
            f"no occupation with id '{occupation_id}'",
            message_zh=f"没有 id 为“{occupation_id}”的职业",
        )

    def major_names(self, major: str) -> list[str]:
        """``major`` and the catalogue majors it is another name of ('accounting' -> 会计学)."""
        text = major.strip().lower()
        found = [text]
        for canonical, names in self.major_aliases.items():
            if text == canonical or any(text == n.lower() for n in names):
                found.append(canonical)
        return list(dict.fromkeys(found))

    def resources_of(self, occ: Occupation) -> list[str]:
        """The resources.yaml ids that lead to ``occ``: its routes' and its own."""
        found = [r for route in occ.routes for r in self.routes[route].resources]
        return list(dict.fromkeys([*found, *occ.resources]))


def default_path() -> Path:
    return data_path("knowledge", "occupations.yaml")


def _where(data: Any, loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "occupations" and isinstance(loc[1], int):
        try:
            label = f"occupation '{data['occupations'][loc[1]].get('id', loc[1] + 1)}'"
        except (KeyError, IndexError, TypeError, AttributeError):
            label = f"occupation #{loc[1] + 1}"
        rest = ".".join(str(p) for p in loc[2:])
        return f"{label}, field '{rest or '(entry)'}'"
    return f"field '{'.'.join(str(p) for p in loc) or '(top level)'}'"


def parse_occupations(data: Any, *, source: str = "occupations.yaml") -> OccupationCatalogue:
    if not isinstance(data, dict):
        raise ValidationFailed(
            f"{source}: expected a mapping with 'occupations'",
            message_zh=f"{source}：顶层应为包含 occupations 的映射",
        )
    try:
        return OccupationCatalogue.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        reason = re.sub(r"^(Value error|Assertion failed), ", "", first["msg"])
        if first["type"] == "extra_forbidden":
            reason = "unknown field"
        elif first["type"] == "missing":
            reason = "required field is missing"
        where = _where(data, tuple(first["loc"]))
        raise ValidationFailed(
            f"{source}: {where}: {reason}", message_zh=f"{source}：{where} 有误：{reason}"
        ) from None


def load_occupations(path: Path | None = None) -> OccupationCatalogue:
    """Read and validate the occupation catalogue (default ``knowledge/occupations.yaml``)."""
    path = path or default_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValidationFailed(
            f"{path}: cannot read the occupation catalogue ({error.strerror})",
            message_zh=f"{path}：无法读取职业目录（{error.strerror}）",
        ) from None
    except yaml.YAMLError as error:
        raise ValidationFailed(
            f"{path}: not valid YAML ({error})", message_zh=f"{path}：不是有效的 YAML（{error}）"
        ) from None
    return parse_occupations(data, source=str(path))


def check_catalogue(
    catalogue: OccupationCatalogue,
    resources: Catalogue,
    docs_dir: Path,
    shared_dir: Path | None = None,
) -> list[str]:
    """Problems found by the cross-check (empty: all fine).

    Every route clause is in its document; every resource id a route or occupation names exists;
    every resource that leads to employment (programmes, exams, loans, permits) is reachable from
    at least one occupation; every growth field's quote is in the reference paper when the paper
    is at hand (``shared_dir``) and its clause in its document.
    """
    problems: list[str] = []
    shelf = DocumentShelf(docs_dir)
    known = {r.id for r in resources.resources}
    for rid, route in catalogue.routes.items():
        if problem := shelf.problem(route.clause):
            problems.append(f"route '{rid}': {problem}")
        problems += [
            f"route '{rid}': resource '{r}' is not in resources.yaml"
            for r in route.resources
            if r not in known
        ]
    reachable: set[str] = set()
    for occ in catalogue.occupations:
        problems += [
            f"occupation '{occ.id}': resource '{r}' is not in resources.yaml"
            for r in occ.resources
            if r not in known
        ]
        reachable |= set(catalogue.resources_of(occ))
    for resource in resources.resources:
        if resource.kind in EMPLOYMENT_KINDS and resource.id not in reachable:
            problems.append(f"resource '{resource.id}' is reachable from no occupation")
    for gid, growth in catalogue.growth_fields.items():
        if growth.clause and (problem := shelf.problem(growth.clause)):
            problems.append(f"growth field '{gid}': {problem}")
        file = catalogue.sources[growth.source].file
        if file and shared_dir is not None and (shared_dir / file).is_file():
            text = squeeze((shared_dir / file).read_text(encoding="utf-8"))
            if squeeze(growth.quote) not in text:
                problems.append(f"growth field '{gid}': quote '{growth.quote}' is not in {file}")
    return problems


def summary(catalogue: OccupationCatalogue) -> dict[str, Any]:
    """Counts for the catalogue check's report."""
    occs = catalogue.occupations
    return {
        "occupations": len(occs),
        "with_dadian_code": sum(o.dadian is not None for o in occs),
        "disciplines": {d: sum(d in o.disciplines for o in occs) for d in vocab.DISCIPLINES},
        "routes": len(catalogue.routes),
        "certificates": len(catalogue.certificates),
    }


def search(
    catalogue: OccupationCatalogue,
    text: str = "",
    *,
    major: str | None = None,
    code: str | None = None,
) -> list[Occupation]:
    """Occupations whose name, majors, skills or growth fields mention ``text``, filtered by a
    major (substring either way) and a RIASEC code (the occupation's code starts with the
    given letters, in any order among its first ``len(code)``)."""
    words = [w for w in re.split(r"\s+", text.strip().lower()) if w]
    found = []
    for occ in catalogue.occupations:
        hay = " ".join(
            [
                occ.name.zh,
                occ.name.en.lower(),
                occ.id,
                *occ.majors,
                *(catalogue.skills[s].zh for s in occ.skills),
                *(catalogue.skills[s].en.lower() for s in occ.skills),
                *(catalogue.growth_fields[g].name.zh for g in occ.growth),
                occ.dadian.title if occ.dadian else "",
            ]
        )
        if words and not all(w in hay for w in words):
            continue
        if major and not any(major in m or m in major for m in occ.majors):
            continue
        if code and set(code.upper()) != set(occ.riasec.code[: len(code)]):
            continue
        found.append(occ)
    return found
