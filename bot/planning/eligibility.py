"""Eligibility: which catalogue resources may apply to a profile, condition by condition.

For each resource every condition is met (with the clause that says so), unknown (with the
question to ask or the thing to check) or failed; the outcome is *likely* (all met), *possible*
(some unknown) or *unlikely* (any failed). The note never promises money or a place: it always
says to confirm with the official channel. Written by hand because the rules are ours; no rule
engine is worth its weight for a few dozen declarative conditions. Ranking resources for a plan
is left to :mod:`bot.planning.plan`.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from bot.planning import vocabulary as vocab
from bot.planning.catalogue import Bilingual, Catalogue, Claim, Clause, Condition, Resource
from bot.planning.fields import FIELDS, facts_of, window_facts
from bot.planning.profile import Profile

log = logging.getLogger(__name__)

Status = Literal["met", "unknown", "failed"]
Outcome = Literal["likely", "possible", "unlikely"]
STALE_AFTER = timedelta(days=365)
OUTCOME_RANK = {"likely": 0, "possible": 1, "unlikely": 2}


class ConditionCheck(BaseModel):
    status: Status
    text: Bilingual
    clause: Clause
    question: Bilingual | None = None  # set when the status is unknown


class EligibilityResult(BaseModel):
    resource: Resource = Field(exclude=True)
    outcome: Outcome
    met: list[ConditionCheck] = Field(default_factory=list)
    unknown: list[ConditionCheck] = Field(default_factory=list)
    failed: list[ConditionCheck] = Field(default_factory=list)
    warnings: list[Bilingual] = Field(default_factory=list)

    @property
    def resource_id(self) -> str:
        return self.resource.id

    @property
    def is_open_service(self) -> bool:
        """A service with nothing to check: no eligibility to confirm."""
        return self.resource.kind == "service" and self.outcome == "likely"

    @property
    def confirm_with(self) -> Claim:
        return self.resource.channel

    def note(self, lang: str) -> str:
        """One sentence saying where things stand; it never promises money."""
        where = self.resource.channel.get(lang)
        if self.is_open_service:
            return (
                f"这是公开服务，可以直接使用：{where}。"
                if lang == "zh"
                else f"This service is open to you: {where}."
            )
        if lang == "zh":
            if self.outcome == "likely":
                return f"按你提供的信息，可能符合条件，最终以审核为准，请向{where}确认。"
            if self.outcome == "possible":
                asks = "；".join(c.question.zh.rstrip("？?") for c in self.unknown if c.question)
                asks = asks or "；".join(w.zh for w in self.warnings)
                return f"可能符合，还需确认：{asks}。请向{where}确认。"
            why = "；".join(c.text.zh for c in self.failed)
            return f"按目前信息可能不符合（{why}）；情况有变或当地规定不同时，可向{where}咨询。"
        if self.outcome == "likely":
            return (
                f"From what you told me you may be eligible; the decision is the "
                f"authority's, so please confirm with {where}."
            )
        if self.outcome == "possible":
            asks = " ".join(c.question.en for c in self.unknown if c.question)
            asks = asks or " ".join(f"{w.en}." for w in self.warnings)
            return f"You may be eligible; still to check: {asks} Please confirm with {where}."
        why = "; ".join(c.text.en for c in self.failed)
        return (
            f"Probably not eligible on what I know ({why}); if that changes or local rules "
            f"differ, ask {where}."
        )

    def to_dict(self, lang: str) -> dict[str, Any]:
        """A plain, language-specific view for JSON output."""

        def checks(items: list[ConditionCheck]) -> list[dict[str, Any]]:
            return [
                {"condition": c.text.get(lang), "source": c.clause.model_dump()}
                | ({"ask": c.question.get(lang)} if c.question else {})
                for c in items
            ]

        resource = self.resource
        data: dict[str, Any] = {
            "id": resource.id,
            "name": resource.name.get(lang),
            "kind": resource.kind,
            "outcome": self.outcome,
            "note": self.note(lang),
            "met": checks(self.met),
            "unknown": checks(self.unknown),
            "failed": checks(self.failed),
            "confirm_with": {
                "text": resource.channel.get(lang),
                "source": resource.channel.clause.model_dump(),
            },
            "warnings": [w.get(lang) for w in self.warnings],
        }
        if resource.amount:
            data["amount"] = {
                "text": resource.amount.get(lang),
                "source": resource.amount.clause.model_dump(),
            }
        if resource.regional and resource.local_rule:
            data["local_rule"] = resource.local_rule.get(lang)
        return data


def _order(value: str) -> int:
    return vocab.EDUCATION_ORDER.index(value) if value in vocab.EDUCATION_ORDER else -1


def _compare(op: str, fact: Any, value: Any, field: str) -> bool:
    if field == "education" and op in {"gte", "lte"}:
        fact, value = _order(fact), _order(value)
    match op:
        case "eq":
            return bool(fact == value)
        case "ne":
            return bool(fact != value)
        case "in":
            return fact in value
        case "not_in":
            return fact not in value
        case "lt":
            return bool(fact < value)
        case "lte":
            return bool(fact <= value)
        case "gt":
            return bool(fact > value)
        case "gte":
            return bool(fact >= value)
        case "between":
            return bool(value[0] <= fact <= value[1])
        case "contains":
            return value in fact
        case "intersects":
            return bool(set(fact) & set(value))
        case "excludes":
            return not set(fact) & set(value)
    raise ValueError(f"unknown operator {op}")  # the schema makes this unreachable


def evaluate(condition: Condition, facts: dict[str, Any]) -> Status:
    """met / unknown / failed for one condition on the facts of a profile."""
    if condition.any_of:
        statuses = [evaluate(alt, facts) for alt in condition.any_of]
        if "met" in statuses:
            return "met"
        return "failed" if all(s == "failed" for s in statuses) else "unknown"
    assert condition.field is not None and condition.op is not None
    fact = facts.get(condition.field)
    if fact is None or condition.op == "check":
        return "unknown"
    return "met" if _compare(condition.op, fact, condition.value, condition.field) else "failed"


def _question(condition: Condition, facts: dict[str, Any]) -> Bilingual:
    if condition.ask:
        return condition.ask
    fields = (
        [condition.field]
        if condition.field
        else [
            alt.field
            for alt in condition.any_of or []
            if alt.field and facts.get(alt.field) is None
        ]
    )
    spec = FIELDS[fields[0]] if fields and fields[0] else None
    if spec is None:
        return Bilingual(
            zh=f"是否满足：{condition.text.zh}？", en=f"Does this apply: {condition.text.en}?"
        )
    return Bilingual(zh=spec.ask_zh, en=spec.ask_en)


def assess_one(
    resource: Resource, facts: dict[str, Any], today: date, profile: Profile | None = None
) -> EligibilityResult:
    result = EligibilityResult(resource=resource, outcome="likely")
    if resource.windows and profile is not None:
        facts = facts | window_facts(resource.windows[0].months, profile, today)
    for condition in resource.conditions:
        status = evaluate(condition, facts)
        assert condition.clause is not None  # the schema requires it at the top level
        check = ConditionCheck(status=status, text=condition.text, clause=condition.clause)
        if status == "unknown":
            check.question = _question(condition, facts)
        getattr(result, status).append(check)
    if result.failed:
        result.outcome = "unlikely"
    elif result.unknown:
        result.outcome = "possible"
    result.warnings = _warnings(resource, today)
    if resource.local_conditions and resource.local_rule:
        result.warnings.append(resource.local_rule)
    if result.outcome == "likely" and any(w for w in result.warnings):
        result.outcome = "possible"
    return result


def _warnings(resource: Resource, today: date) -> list[Bilingual]:
    found = []
    if resource.valid_until and today > resource.valid_until:
        found.append(
            Bilingual(
                zh=f"该政策标注有效期至 {resource.valid_until}，可能已调整，请核对最新通知。",
                en=f"Listed as valid until {resource.valid_until}; it may have "
                "changed, check the latest notice.",
            )
        )
    if resource.valid_from and today < resource.valid_from:
        found.append(
            Bilingual(
                zh=f"该政策自 {resource.valid_from} 起施行。",
                en=f"This applies from {resource.valid_from}.",
            )
        )
    if today - resource.last_checked > STALE_AFTER:
        found.append(
            Bilingual(
                zh=f"本条信息最后核对于 {resource.last_checked}，可能已过时。",
                en=f"Last checked on {resource.last_checked}; it may be out of date.",
            )
        )
    return found


def assess(profile: Profile, catalogue: Catalogue, today: date) -> list[EligibilityResult]:
    """Every resource of the catalogue assessed for ``profile``, likeliest first."""
    facts = facts_of(profile, today)
    results = [assess_one(resource, facts, today, profile) for resource in catalogue.resources]
    log.debug(
        "assessed %s resources for a profile with %s known fields",
        len(results),
        len(profile.known_fields()),
    )
    return sorted(results, key=lambda r: (OUTCOME_RANK[r.outcome], len(r.unknown)))
