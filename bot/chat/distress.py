"""Is a graduate possibly in crisis? Rules and a phrasing bank, combined by a fitted model.

:meth:`DistressDetector.assess` runs on every message, before any routing, and returns a level:

* ``likely``: the coach replies with care and the crisis lines instead of an answer, and flags
  the conversation.
* ``possible``: the normal answer is given **with** the crisis lines appended, and the
  conversation is flagged.
* ``none``.

Two kinds of evidence (:meth:`DistressDetector.features`):

* the rules of :mod:`bot.chat.distress_rules`: explicit cues, means, softer signs, negations,
  topic framing and idioms (累死了, 笑死, "the deadline is killing me" are rewritten in plain words
  first, for the rules and for the embedding alike);
* nearest neighbours in ``knowledge/crisis_bank.yaml``: the message (and each of its sentences) is
  embedded as a query with the model the knowledge base already loaded, and compared with the
  bank's crisis and calm lines (embedded as passages, so they land in the persistent cache;
  messages are never written to disk). ``lead`` is the mean similarity of the nearest crisis lines
  minus that of the nearest calm lines, the highest over the message and its sentences.

With an embedding model, a small logistic model (``knowledge/distress_model.yaml``, one entry
per embedding model, fitted on the dev split by ``python -m evals.fit_distress``) turns the
features into a probability; ``likely`` and ``possible`` are thresholds on it. An explicit cue
about the writer is always ``likely`` (recall comes first). Without a model, or when embedding
fails (logged, never raised), the rules alone decide: an explicit cue or a means is ``likely``, a
softer or negated one ``possible``. What it leaves out: the reply itself (``coach`` and
``crisis``) and telling a counselor (``bot.store`` and ``bot.notify``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from bot.chat.distress_rules import (
    RuleSignals,
    normalise,
    plain_idioms,
    rule_signals,
    unmasked,
    without_idioms,
)
from bot.errors import ConfigError
from bot.resources import data_path

__all__ = [
    "FEATURES",
    "Assessment",
    "CrisisBank",
    "DecisionModel",
    "DistressDetector",
    "load_bank",
    "load_models",
    "rule_level",
    "units",
    "without_idioms",
]

log = logging.getLogger(__name__)

Level = Literal["none", "possible", "likely"]
_RANK: dict[Level, int] = {"none": 0, "possible": 1, "likely": 2}
_MAX_UNITS = 8  # the whole message and at most this many sentences are embedded
_MIN_UNIT_CHARS = 4
_SENTENCE = re.compile(r"[^。！？!?；;\n.…]+[。！？!?；;.…]*")

# Every feature a model may weigh. Rule features are 0/1; the semantic ones are similarities.
RULE_FEATURES = (
    "explicit",
    "method",
    "soft",
    "strain",
    "negated",
    "topical",
    "idiom",
    "question",
    "third_person",
)
SEMANTIC_FEATURES = ("lead", "lead_whole", "crisis", "calm")
FEATURES = RULE_FEATURES + SEMANTIC_FEATURES


@dataclass(frozen=True)
class Assessment:
    """How worried to be about one message, and why (for the counselor and the logs)."""

    level: Level
    reason: str = ""
    score: float | None = None  # the model's probability (or the semantic lead), when measured

    @property
    def raised(self) -> bool:
        return self.level != "none"


NONE = Assessment("none")


# --- the bank ------------------------------------------------------------------------------------
class CrisisBank(BaseModel):
    """``knowledge/crisis_bank.yaml``: crisis and calm phrasings, grouped."""

    version: int = 1
    crisis: dict[str, list[str]] = Field(min_length=1)
    calm: dict[str, list[str]] = Field(min_length=1)

    @field_validator("crisis", "calm")
    @classmethod
    def _lines(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for group, lines in value.items():
            if not lines or any(not str(line).strip() for line in lines):
                raise ValueError(f"group {group!r} is empty or has an empty line")
        return value

    def lines(self, side: Literal["crisis", "calm"]) -> list[str]:
        groups = self.crisis if side == "crisis" else self.calm
        return [str(line).strip() for lines in groups.values() for line in lines]

    def embedded(self, side: Literal["crisis", "calm"]) -> list[tuple[int, str]]:
        """(line number, text) of what is embedded: each line normalised, and a line with an
        idiom also in the plain words messages are rewritten into (累死了 → 累极了)."""
        out: list[tuple[int, str]] = []
        for i, line in enumerate(self.lines(side)):
            out += [
                (i, text)
                for text in dict.fromkeys([normalise(line), plain_idioms(normalise(line))])
            ]
        return out

    def fingerprint(self) -> str:
        """sha256 of the lines (both sides, in order): a fitted model names the bank it saw."""
        joined = "\n".join(["crisis", *self.lines("crisis"), "calm", *self.lines("calm")])
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def default_bank_path() -> Path:
    return data_path("knowledge", "crisis_bank.yaml")


def default_model_path() -> Path:
    return data_path("knowledge", "distress_model.yaml")


def _read_yaml(path: Path, what_en: str, what_zh: str) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(
            f"{what_en} {path} cannot be read: {error}",
            message_zh=f"{what_zh} {path} 无法读取：{error}",
        ) from error


def _invalid(path: Path, error: ValidationError, what_en: str, what_zh: str) -> ConfigError:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "file"
    return ConfigError(
        f"{what_en} {path}: field '{where}': {first['msg']}",
        message_zh=f"{what_zh} {path}：字段“{where}”有误：{first['msg']}",
    )


def load_bank(path: Path | None = None) -> CrisisBank:
    """Read and validate the bank; a broken file is a :class:`ConfigError` naming the field."""
    path = path or default_bank_path()
    raw = _read_yaml(path, "crisis phrasing bank", "危机表述库")
    try:
        return CrisisBank.model_validate(raw)
    except ValidationError as error:
        raise _invalid(path, error, "crisis phrasing bank", "危机表述库") from error


# --- the decision model --------------------------------------------------------------------------
class DecisionModel(BaseModel):
    """A logistic model over :data:`FEATURES` and the two thresholds on its probability."""

    intercept: float
    weights: dict[str, float] = Field(min_length=1)
    likely: float = Field(gt=0, lt=1)
    possible: float = Field(gt=0, lt=1)
    nearest: int = Field(default=5, ge=1, le=50)  # neighbours averaged on each side of the bank
    bank: str = ""  # the bank fingerprint it was fitted with ("" when not fitted)
    fitted_on: str = ""

    @field_validator("weights")
    @classmethod
    def _known(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown features {unknown}; known: {list(FEATURES)}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> DecisionModel:
        if self.possible > self.likely:
            raise ValueError("possible must not be above likely")
        return self

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(w * features.get(name, 0.0) for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


class DecisionModels(BaseModel):
    """``knowledge/distress_model.yaml``: embedding model identity -> its decision model."""

    version: int = 1
    models: dict[str, DecisionModel] = Field(default_factory=dict)


def load_models(path: Path | None = None) -> DecisionModels:
    path = path or default_model_path()
    raw = _read_yaml(path, "distress decision model", "危机识别判定模型")
    try:
        return DecisionModels.model_validate(raw or {})
    except ValidationError as error:
        raise _invalid(path, error, "distress decision model", "危机识别判定模型") from error


# --- the rules alone ---------------------------------------------------------------------------
def rule_level(message: str) -> Assessment:
    """The rules' verdict alone (no embedding)."""
    return _by_rules(rule_signals(message))


def _by_rules(signals: RuleSignals) -> Assessment:
    if signals.explicit or signals.method:
        return Assessment("likely", f"rule: {signals.explicit or signals.method}")
    if signals.negated:
        return Assessment("possible", f"rule (negated): {signals.negated}")
    if signals.soft or signals.strain:
        return Assessment("possible", f"rule: {signals.soft or signals.strain}")
    return NONE


def units(message: str) -> list[str]:
    """The whole message and its sentences (when there are several), idioms in plain words."""
    text = plain_idioms(unmasked(normalise(message)))
    parts = [p.strip() for p in _SENTENCE.findall(text)]
    parts = [p for p in parts if len(p) >= _MIN_UNIT_CHARS]
    out = [text]
    if len(parts) > 1:
        out += parts[:_MAX_UNITS]
    return list(dict.fromkeys(out))


# --- the detector ------------------------------------------------------------------------------
class DistressDetector:
    """Rules, then (when an embedding model is given) the bank and the fitted decision model.

    ``embedding_id`` (``provider:model``) picks the model's entry in ``models`` (by default
    ``knowledge/distress_model.yaml``); an embedding model without an entry gets the rules alone
    (and a warning: fit one with ``python -m evals.fit_distress``). The fitting script builds a
    detector with no ``embedding_id`` and no ``model``, for its features alone.
    """

    def __init__(
        self,
        bank: CrisisBank,
        embeddings: Embeddings | None = None,
        *,
        embedding_id: str = "",
        model: DecisionModel | None = None,
        models: DecisionModels | None = None,
    ) -> None:
        self.bank = bank
        self.embeddings = embeddings
        if model is None and embeddings is not None and embedding_id:
            model = (models or load_models()).models.get(embedding_id)
            if model is None:
                log.warning(
                    "no distress decision model for %r: rules only (fit one with "
                    "`python -m evals.fit_distress`)",
                    embedding_id,
                )
            elif model.bank and model.bank != bank.fingerprint():
                log.warning(
                    "the crisis bank changed since the distress model for %r was fitted: "
                    "re-fit it with `python -m evals.fit_distress --write`",
                    embedding_id,
                )
        self.model = model
        self._lock = threading.Lock()
        self._crisis: np.ndarray | None = None
        self._calm: np.ndarray | None = None
        self._owners: dict[str, np.ndarray] = {}

    def assess(self, message: str) -> Assessment:
        """The level for ``message``."""
        if not message.strip():
            return NONE
        signals = rule_signals(message)
        if self.embeddings is None or self.model is None:
            return _by_rules(signals)
        if signals.explicit:
            return Assessment("likely", f"rule: {signals.explicit}")
        try:
            features = self.features(message, signals)
        except Exception as error:  # an embedding failure must never cost the graduate an answer
            log.warning("semantic distress check failed, rules only: %s", error)
            return _by_rules(signals)
        p = self.model.probability(features)
        why = _why(signals, features, p)
        if p >= self.model.likely:
            return Assessment("likely", why, p)
        if p >= self.model.possible:
            return Assessment("possible", why, p)
        return Assessment("none", "", p)

    def features(self, message: str, signals: RuleSignals | None = None) -> dict[str, float]:
        """Every feature in :data:`FEATURES` for ``message`` (embeds it)."""
        signals = signals or rule_signals(message)
        out = {name: float(bool(getattr(signals, name))) for name in RULE_FEATURES}
        return out | self.semantic(message)

    def semantic(self, message: str, nearest: int | None = None) -> dict[str, float]:
        """The bank features of ``message`` (see :meth:`bank_features`)."""
        return self.bank_features(self.unit_vectors(message), nearest)

    def unit_vectors(self, message: str) -> np.ndarray:
        """The message and its sentences embedded as queries, one unit-length row each."""
        assert self.embeddings is not None
        rows = [self.embeddings.embed_query(unit) for unit in units(message)]
        return _matrix(rows)

    def bank_features(
        self,
        queries: np.ndarray,
        nearest: int | None = None,
        without: tuple[Literal["crisis", "calm"], int] | None = None,
    ) -> dict[str, float]:
        """``lead`` (the highest over the units of the mean similarity of the ``nearest`` crisis
        lines minus that of the nearest calm lines), the whole message's lead, and the crisis
        and calm similarities of the unit with the highest lead. ``without`` leaves one bank
        line out (side, line number): the fitting script scores the bank's own lines so."""
        k = nearest or (self.model.nearest if self.model is not None else 5)
        crisis, calm = self._bank_vectors()
        if without is not None:
            side, line = without
            owners = self._owners[side]
            keep = owners != line
            crisis, calm = (crisis[keep], calm) if side == "crisis" else (crisis, calm[keep])
        near_crisis = _nearest(queries @ crisis.T, k)
        near_calm = _nearest(queries @ calm.T, k)
        leads = near_crisis - near_calm
        best = int(np.argmax(leads))
        return {
            "lead": float(leads[best]),
            "lead_whole": float(leads[0]),
            "crisis": float(near_crisis[best]),
            "calm": float(near_calm[best]),
        }

    def warm_up(self) -> None:
        """Embed the bank now (at start-up) instead of on the first message."""
        if self.embeddings is not None and self.model is not None:
            self._bank_vectors()

    def _bank_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if self._crisis is None or self._calm is None:
                assert self.embeddings is not None
                rows = {side: self.bank.embedded(side) for side in ("crisis", "calm")}
                self._owners = {
                    side: np.array([i for i, _ in pairs]) for side, pairs in rows.items()
                }
                texts = {side: [t for _, t in pairs] for side, pairs in rows.items()}
                self._crisis = _matrix(self.embeddings.embed_documents(texts["crisis"]))
                self._calm = _matrix(self.embeddings.embed_documents(texts["calm"]))
            return self._crisis, self._calm


def _why(signals: RuleSignals, features: dict[str, float], p: float) -> str:
    cues = [
        f"{name}: {value}"
        for name, value in (
            ("method", signals.method),
            ("soft", signals.soft),
            ("strain", signals.strain),
            ("negated", signals.negated),
        )
        if value
    ]
    return "; ".join([f"model p={p:.2f}, semantic lead {features['lead']:.3f}", *cues])


def _matrix(rows: list[list[float]]) -> np.ndarray:
    m = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return m / norms


def _nearest(similarities: np.ndarray, k: int) -> np.ndarray:
    """Per row, the mean of its ``k`` highest similarities."""
    k = min(k, similarities.shape[1])
    return np.sort(similarities, axis=1)[:, -k:].mean(axis=1)
