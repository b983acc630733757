"""Fit the distress detector's decision model on the dev split only, and estimate how it holds up.

``python -m evals.fit_distress [--write] [--dataset FILE] [--bank FILE] [--nearest 3 5 8]``

Two kinds of labelled rows, each with the product's own features
(:meth:`bot.chat.distress.DistressDetector.features`: the rules, and the bank lead with the
configured embedding model):

* the **dev** rows of the distress dataset (test rows are dropped as they are read, never
  embedded or scored);
* the bank's **own lines**, each scored with itself left out of the bank: phrasings in other
  words than the dataset's, so the weights do not fit one author's style alone. Together they
  weigh :data:`BANK_WEIGHT` times as much as the dev rows they are fitted with.

Then:

1. **Generalisation is estimated by nested cross-validation.** Repeatedly, dev is split into two
   stratified halves; a model is fitted on one half (with the bank rows) and its thresholds
   chosen from 5-fold out-of-fold probabilities, exactly as the final fit does; the other half
   is scored. Printed for each candidate ``nearest`` (neighbours averaged on each side of the
   bank): mean held-out recall, false alarms and caring replies to calm messages, and the bank
   lines' own out-of-fold figures.
2. **The final model is fitted** on all of dev and the bank rows, with the ``nearest`` that did
   best (fewest misses weighted :data:`MISS_COST` times a false alarm, on held-out dev and on
   the bank lines alike), and thresholds chosen the same way.

The model is a small L2-regularised logistic regression (Newton's method, numpy) over
:data:`FIT_FEATURES`. Thresholds: ``possible`` minimises ``MISS_COST x missed + false alarms``
over the out-of-fold probabilities (recall comes first; ties go to the lower threshold);
``likely`` is above every calm dev message's out-of-fold probability and at least halfway from
``possible`` to certainty, so the band between them (the answer with the crisis lines) stays.
An explicit cue is raised whatever the model says, so it does not count in either choice. With
``--write`` the entry for the embedding model goes into ``knowledge/distress_model.yaml`` with the
bank fingerprint and the held-out figures. Test figures come from ``careercoach eval distress
--split test`` afterwards.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import yaml

from bot.chat.distress import (
    DecisionModel,
    DistressDetector,
    default_bank_path,
    default_model_path,
    load_bank,
    load_models,
)
from bot.chat.distress_rules import rule_signals
from bot.errors import ValidationFailed
from bot.settings import Settings
from evals.messages import load_messages
from evals.suites.distress import LABELS

log = logging.getLogger(__name__)

DATASET = Path(__file__).resolve().parent / "datasets" / "distress.jsonl"
FIT_FEATURES = (
    "explicit",
    "method",
    "soft",
    "strain",
    "negated",
    "topical",
    "idiom",
    "question",
    "lead",
)
MISS_COST = 4.0  # a missed distress message costs this many false alarms
BANK_WEIGHT = 0.5  # the bank's own lines, together, against the dev rows they are fitted with
FOLDS = 5
L2 = 1.0


@dataclass
class Rows:
    """Labelled rows: features per candidate ``nearest``, labels, explicit-cue flags."""

    x: dict[int, np.ndarray]
    y: np.ndarray
    explicit: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


def _features(
    detector: DistressDetector,
    message: str,
    nearest: list[int],
    without: tuple[str, int] | None = None,
) -> tuple[dict[int, list[float]], bool]:
    signals = rule_signals(message)
    queries = detector.unit_vectors(message)
    rules = {n: float(bool(getattr(signals, n))) for n in FIT_FEATURES if n != "lead"}
    out = {}
    for k in nearest:
        features = rules | detector.bank_features(queries, k, without)  # type: ignore[arg-type]
        out[k] = [features[n] for n in FIT_FEATURES]
    return out, bool(signals.explicit)


def _rows(items: list[tuple[dict[int, list[float]], bool, bool]], nearest: list[int]) -> Rows:
    return Rows(
        x={k: np.array([f[k] for f, _, _ in items], dtype=float) for k in nearest},
        y=np.array([label for _, label, _ in items], dtype=float),
        explicit=np.array([e for _, _, e in items], dtype=bool),
    )


def dev_rows(detector: DistressDetector, dataset: Path, nearest: list[int]) -> Rows:
    """Features of every dev message."""
    cases = [c for c in load_messages(dataset, LABELS) if c.split == "dev"]
    if not cases:
        raise ValidationFailed(
            f"{dataset}: no dev rows to fit on", message_zh=f"{dataset}：没有可用于拟合的 dev 行"
        )
    items = []
    for case in cases:
        features, explicit = _features(detector, case.message, nearest)
        items.append((features, case.label == "distress", explicit))
    return _rows(items, nearest)


def bank_rows(detector: DistressDetector, nearest: list[int]) -> Rows:
    """Features of every bank line, each with itself left out of the bank."""
    items = []
    for side in ("crisis", "calm"):
        for i, line in enumerate(detector.bank.lines(side)):
            features, explicit = _features(detector, line, nearest, (side, i))
            items.append((features, side == "crisis", explicit))
    return _rows(items, nearest)


# --- the model ---------------------------------------------------------------------------------
def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float]:
    """(weights, intercept) of a weighted L2-regularised logistic regression on standardised
    features, returned on the raw feature scale."""
    mean = np.average(x, axis=0, weights=w)
    scale = np.sqrt(np.average((x - mean) ** 2, axis=0, weights=w))
    scale[scale == 0] = 1.0
    design = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    b = np.zeros(design.shape[1])
    penalty = np.eye(len(b)) * l2
    penalty[-1, -1] = 0.0  # the intercept is not shrunk
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(design @ b, -30, 30)))
        gradient = design.T @ (w * (p - y)) + penalty @ b
        hessian = design.T @ (design * (w * p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian + 1e-9 * np.eye(len(b)), gradient)
        b -= step
        if np.abs(step).max() < 1e-9:
            break
    return b[:-1] / scale, float(b[-1] - (mean / scale) @ b[:-1])


def probabilities(x: np.ndarray, weights: np.ndarray, intercept: float) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(x @ weights + intercept, -50, 50)))


@dataclass
class Training:
    """Rows to fit on: features, labels, explicit flags, weights, and which rows are dev."""

    x: np.ndarray
    y: np.ndarray
    explicit: np.ndarray
    w: np.ndarray
    dev: np.ndarray

    @classmethod
    def of(cls, dev: Rows, index: np.ndarray, bank: Rows, k: int) -> Training:
        n, m = len(index), len(bank)
        return cls(
            x=np.vstack([dev.x[k][index], bank.x[k]]),
            y=np.r_[dev.y[index], bank.y],
            explicit=np.r_[dev.explicit[index], bank.explicit],
            w=np.r_[np.ones(n), np.full(m, BANK_WEIGHT * n / max(m, 1))],
            dev=np.r_[np.ones(n, dtype=bool), np.zeros(m, dtype=bool)],
        )


def out_of_fold(t: Training, rng: np.random.Generator) -> np.ndarray:
    """Each row's probability from a model fitted without its fold (stratified folds)."""
    index = np.arange(len(t.y))
    positives, negatives = rng.permutation(index[t.y == 1]), rng.permutation(index[t.y == 0])
    out = np.zeros(len(t.y))
    for f in range(FOLDS):
        held = np.r_[positives[f::FOLDS], negatives[f::FOLDS]]
        keep = np.setdiff1d(index, held)
        weights, intercept = fit(t.x[keep], t.y[keep], t.w[keep])
        out[held] = probabilities(t.x[held], weights, intercept)
    return out


def thresholds(p: np.ndarray, t: Training) -> tuple[float, float]:
    """(possible, likely) from out-of-fold probabilities; explicit cues are raised anyway."""
    judged = ~t.explicit
    best, best_cost = 0.5, np.inf
    for candidate in np.sort(np.unique(np.r_[p[judged], 0.5])):
        raised = p >= candidate
        missed = ~raised & (t.y == 1) & judged
        alarms = raised & (t.y == 0)
        cost = float(np.sum(t.w * (MISS_COST * missed + alarms)))
        if cost < best_cost - 1e-12:
            best, best_cost = float(candidate), cost
    # between the chosen row and the next lower one, so a small shift does not flip it
    lower = p[judged & (p < best)]
    possible = (best + lower.max()) / 2 if lower.size else best
    calm = p[(t.y == 0) & t.dev]
    likely = max(possible + (1 - possible) / 2, float(calm.max()) + 0.02 if calm.size else 0.0)
    return float(np.clip(possible, 0.01, 0.98)), float(np.clip(likely, 0.02, 0.99))


def choose(
    t: Training, rng: np.random.Generator, repeats: int = 3
) -> tuple[np.ndarray, float, float, float, np.ndarray]:
    """(weights, intercept, possible, likely, out-of-fold probabilities) picked on ``t``."""
    p = np.mean([out_of_fold(t, rng) for _ in range(repeats)], axis=0)
    possible, likely = thresholds(p, t)
    weights, intercept = fit(t.x, t.y, t.w)
    return weights, intercept, possible, likely, p


@dataclass
class Estimate:
    recall: float
    recall_sd: float
    false_alarms: float
    false_alarms_sd: float
    false_crisis_replies: float
    bank_recall: float
    bank_false_alarms: float

    @property
    def cost(self) -> float:
        dev = MISS_COST * (1 - self.recall) + self.false_alarms
        bank = MISS_COST * (1 - self.bank_recall) + self.bank_false_alarms
        return dev + bank


def nested(dev: Rows, bank: Rows, k: int, repeats: int, seed: int) -> Estimate:
    """Held-out figures of the whole procedure over repeated stratified halves of dev."""
    rng = np.random.default_rng(seed)
    index = np.arange(len(dev))
    recall, alarms, replies, bank_recall, bank_alarms = [], [], [], [], []
    for _ in range(repeats):
        positives = rng.permutation(index[dev.y == 1])
        negatives = rng.permutation(index[dev.y == 0])
        a = np.r_[positives[::2], negatives[::2]]
        b = np.r_[positives[1::2], negatives[1::2]]
        for train, held in ((a, b), (b, a)):
            t = Training.of(dev, train, bank, k)
            weights, intercept, possible, likely, p = choose(t, rng)
            q = probabilities(dev.x[k][held], weights, intercept)
            raised = (q >= possible) | dev.explicit[held]
            caring = (q >= likely) | dev.explicit[held]
            y = dev.y[held]
            recall.append(raised[y == 1].mean())
            alarms.append(raised[y == 0].mean())
            replies.append(caring[y == 0].mean())
            own = (p[~t.dev] >= possible) | bank.explicit
            bank_recall.append(own[bank.y == 1].mean())
            bank_alarms.append(own[bank.y == 0].mean())
    return Estimate(
        float(np.mean(recall)),
        float(np.std(recall)),
        float(np.mean(alarms)),
        float(np.std(alarms)),
        float(np.mean(replies)),
        float(np.mean(bank_recall)),
        float(np.mean(bank_alarms)),
    )


# --- the command -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the model file")
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--bank", type=Path, default=default_bank_path())
    parser.add_argument("--output", type=Path, default=default_model_path())
    parser.add_argument("--nearest", type=int, nargs="*", default=[3, 5, 8])
    parser.add_argument("--repeats", type=int, default=10, help="repeated halvings of dev")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("bot", "httpx", "chromadb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from bot.knowledge.base import KnowledgeBase

    base = KnowledgeBase(Settings(offline=True))
    bank = load_bank(args.bank)
    detector = DistressDetector(bank, base.embeddings())
    dev = dev_rows(detector, args.dataset, args.nearest)
    own = bank_rows(detector, args.nearest)
    print(
        f"{len(dev)} dev messages ({int(dev.y.sum())} distress), {len(own)} bank lines, "
        f"embedding {base.embedding_id}, bank {bank.fingerprint()}",
        flush=True,
    )
    estimates = {k: nested(dev, own, k, args.repeats, args.seed) for k in args.nearest}
    for k, e in estimates.items():
        print(
            f"  nearest {k}: held-out dev recall {e.recall:.3f} (sd {e.recall_sd:.3f}), "
            f"false alarms {e.false_alarms:.3f} (sd {e.false_alarms_sd:.3f}), caring reply to "
            f"calm {e.false_crisis_replies:.3f}; bank lines recall {e.bank_recall:.3f}, "
            f"false alarms {e.bank_false_alarms:.3f}",
            flush=True,
        )
    k = min(args.nearest, key=lambda n: (estimates[n].cost, n))
    rng = np.random.default_rng(args.seed)
    t = Training.of(dev, np.arange(len(dev)), own, k)
    weights, intercept, possible, likely, _ = choose(t, rng, 5)
    e = estimates[k]
    summary = (
        f"fitted {date.today().isoformat()} by `python -m evals.fit_distress` on the dev split "
        f"of {args.dataset.name} ({len(dev)} messages) and the bank's {len(own)} lines (each "
        f"left out of the bank); nearest {k}; held-out estimate (nested halves of dev, "
        f"{args.repeats} repeats): recall {e.recall:.3f}, false alarms {e.false_alarms:.3f}; "
        f"bank lines out of fold: recall {e.bank_recall:.3f}, false alarms "
        f"{e.bank_false_alarms:.3f}"
    )
    print(summary)
    model = DecisionModel(
        intercept=round(intercept, 4),
        weights={n: round(float(w), 4) for n, w in zip(FIT_FEATURES, weights, strict=True)},
        possible=round(possible, 4),
        likely=round(likely, 4),
        nearest=k,
        bank=bank.fingerprint(),
        fitted_on=summary,
    )
    print(yaml.safe_dump(model.model_dump(), allow_unicode=True, sort_keys=False))
    if args.write:
        write(args.output, base.embedding_id, model)


def write(path: Path, embedding_id: str, model: DecisionModel) -> None:
    """Replace ``embedding_id``'s entry in the model file, keeping the others."""
    models = load_models(path) if path.exists() else None
    entries = {k: v.model_dump() for k, v in (models.models.items() if models else [])}
    entries[embedding_id] = model.model_dump()
    head = (
        "# Decision models of the distress detector (bot/chat/distress.py), one per embedding\n"
        "# model: a logistic regression over rule and bank features, and the thresholds on its\n"
        "# probability. Written by `python -m evals.fit_distress --write` on the dev split\n"
        "# and the bank's own lines only; re-fit after editing knowledge/crisis_bank.yaml or\n"
        "# the rules rather than edit by hand.\n"
    )
    body = yaml.safe_dump({"version": 1, "models": entries}, allow_unicode=True, sort_keys=False)
    path.write_text(head + body, encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
