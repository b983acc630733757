"""Fit the offline answerer's two models on the dev halves only.

``python -m evals.fit_decision [--write] [--datasets NAME …]`` asks the offline coach every dev
question of the shipped answers datasets (real questions, starter KB, reference corpus where
``../shared/corpus`` exists, and their paraphrases):

1. **Pieces** (``bot/chat/selection.yaml``): every candidate piece of every part, with its
   features, labelled by whether it holds one of the case's key facts (or, for cases without key
   facts, its evidence). Only answerable cases whose passages hold an answering piece count. The
   weights rank an answering piece first within its question (a conditional logit), and a
   one-feature logistic fit turns the ranking score into a probability.
2. **Answer or abstain** (``bot/chat/decision.yaml``): asked again with the new piece weights,
   each part's decision features, labelled by whether the block chosen for it really answers (it
   holds a key fact or the evidence, and the case is answerable); a part of an unanswerable
   question is a negative. The threshold is the one that maximises balanced accuracy over
   questions on dev (a question is answered when any part is).

The decision is a small L2-regularised logistic regression (Newton's method, numpy). With
``--write`` the weights and a line saying what they were fitted on go into the files (the
decision is then fitted with the piece weights just written). The test halves are never read:
their figures come from ``careercoach eval`` afterwards.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import yaml

from bot.chat.decision import DEFAULT_FILE, FEATURES
from bot.chat.extractive import Extract
from bot.chat.selection import PIECE_FEATURES, SELECTION_FILE
from bot.settings import Settings
from evals.cases import Case, load_cases
from evals.matching import contains_evidence
from evals.metrics import has_fact
from evals.shipped import shipped_datasets
from evals.workspace import Workspace

log = logging.getLogger(__name__)
ANSWER_DATASETS = (
    "real_questions",
    "starter_kb",
    "reference_corpus",
    "starter_kb_paraphrases",
    "reference_corpus_paraphrases",
)


@dataclass
class Row:
    case: str
    features: list[float]
    label: int
    answerable: bool


def collect(workspace: Workspace, names: tuple[str, ...]) -> list[Row]:
    """One row per part that chose a block, over the dev cases of the named datasets."""
    rows: list[Row] = []
    for spec, case, extract in _dev_extracts(workspace, names):
        for part in extract.parts:
            if part.block is None:
                continue
            quoted = " ".join(p.text for p in part.block.pieces)
            rows.append(
                Row(
                    f"{spec}/{case.id}",
                    [part.decision.features[f] for f in FEATURES],
                    int(case.answerable and _answers(case, quoted)),
                    case.answerable,
                )
            )
    return rows


def collect_pieces(workspace: Workspace, names: tuple[str, ...]) -> list[Row]:
    """One row per candidate piece of every part of the dev cases that can be answered."""
    rows: list[Row] = []
    for spec, case, extract in _dev_extracts(workspace, names):
        if not case.answerable:
            continue
        for part in extract.parts:
            labels = [int(_answers(case, s.piece.text)) for s in part.scored]
            if not any(labels):
                continue
            rows += [
                Row(f"{spec}/{case.id}", [s.features[f] for f in PIECE_FEATURES], label, True)
                for s, label in zip(part.scored, labels, strict=True)
            ]
    return rows


def _dev_extracts(
    workspace: Workspace, names: tuple[str, ...]
) -> Iterator[tuple[str, Case, Extract]]:
    """(dataset, case, what the coach chose) for every dev case of the named datasets."""
    for spec in shipped_datasets():
        if spec.name not in names or not spec.available:
            continue
        cases = [c for c in load_cases(spec.path) if c.split == "dev"]
        if spec.only is not None:
            field, value = spec.only
            cases = [c for c in cases if getattr(c, field, None) == value]
        coach = workspace.coach(spec.kb)
        log.info("asking %d dev cases of %s", len(cases), spec.name)
        for case in cases:
            yield spec.name, case, coach.explain(case.question, case.lang)[0]


def _answers(case: Case, quoted: str) -> bool:
    if case.key_facts:
        return any(has_fact(quoted, f) for f in case.key_facts)
    return contains_evidence(quoted, case.evidence) if case.evidence else False


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Weights (intercept first) of an L2-regularised logistic regression, by Newton's method."""
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    penalty = np.eye(len(w)) * l2
    penalty[0, 0] = 0.0  # the intercept is not shrunk
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(design @ w, -30, 30)))
        gradient = design.T @ (p - y) + penalty @ w
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fit_ranking(rows: list[Row], l2: float = 0.01, steps: int = 400) -> np.ndarray:
    """Piece weights (intercept first) that rank an answering piece first within its question:
    a conditional logit (softmax over each question's candidates, the answering pieces the
    target) by gradient descent, then a one-feature logistic calibration of the score so that
    it reads as a probability."""
    groups: dict[str, list[Row]] = {}
    for r in rows:
        groups.setdefault(r.case, []).append(r)
    data = [
        (np.array([r.features for r in g], dtype=float), np.array([r.label for r in g], float))
        for g in groups.values()
    ]
    w = np.zeros(data[0][0].shape[1])
    for _ in range(steps):
        gradient = l2 * w
        for x, y in data:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            gradient += x.T @ (p - y / y.sum())
        w -= 0.5 * gradient / len(data)
    scores = np.array([[float(np.dot(w, r.features))] for r in rows])
    a, b = fit(scores, np.array([r.label for r in rows], dtype=float), 0.0)[[1, 0]]
    return np.concatenate([[b], a * w])


def best_threshold(rows: list[Row], w: np.ndarray) -> tuple[float, float]:
    """(threshold, balanced accuracy over questions) on the rows' cases."""
    by_case: dict[str, list[tuple[float, int, bool]]] = {}
    for r in rows:
        p = 1 / (1 + np.exp(-(w[0] + np.dot(w[1:], r.features))))
        by_case.setdefault(r.case, []).append((float(p), r.label, r.answerable))
    best = (0.5, -1.0)
    for t in np.arange(0.2, 0.81, 0.02):
        good_pos = good_neg = pos = neg = 0
        for parts in by_case.values():
            answered = [label for p, label, _ in parts if p >= t]
            if parts[0][2]:
                pos += 1
                good_pos += bool(answered) and any(answered)
            else:
                neg += 1
                good_neg += not answered
        score = (good_pos / max(pos, 1) + good_neg / max(neg, 1)) / 2
        if score > best[1] + 1e-9:
            best = (round(float(t), 2), score)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the weights file")
    parser.add_argument("--datasets", nargs="*", default=list(ANSWER_DATASETS))
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--output", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--selection", type=Path, default=SELECTION_FILE)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("bot", "httpx", "chromadb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    names = tuple(args.datasets)
    with Workspace(Settings(offline=True)) as workspace:
        pieces = collect_pieces(workspace, names)
    py = np.array([r.label for r in pieces], dtype=float)
    pw = fit_ranking(pieces, 0.01)
    piece_summary = (
        f"fitted {date.today().isoformat()} by `python -m evals.fit_decision` on the dev halves "
        f"of {', '.join(names)}: {len(pieces)} candidate pieces of "
        f"{len({r.case for r in pieces})} answerable questions ({int(py.sum())} answering), "
        f"l2={args.l2}; top-1 accuracy {top_one(pieces, pw):.3f}"
    )
    print(piece_summary)
    for name, value in zip(["intercept", *PIECE_FEATURES], pw, strict=True):
        print(f"  {name:16s} {value:+.3f}")
    if args.write:
        _write(args.selection, pw, PIECE_FEATURES, piece_summary, None, "bot/chat/selection.py")
    with Workspace(Settings(offline=True)) as workspace:  # coaches built with the new weights
        rows = collect(workspace, names)
    x = np.array([r.features for r in rows], dtype=float)
    y = np.array([r.label for r in rows], dtype=float)
    w = fit(x, y, args.l2)
    threshold, balanced = best_threshold(rows, w)
    summary = (
        f"fitted {date.today().isoformat()} by `python -m evals.fit_decision` on the dev halves "
        f"of {', '.join(names)}: {len(rows)} parts of {len({r.case for r in rows})} questions "
        f"({int(y.sum())} whose block answers), l2={args.l2}; dev balanced accuracy "
        f"{balanced:.3f} at threshold {threshold}"
    )
    print(summary)
    for name, value in zip(["intercept", *FEATURES], w, strict=True):
        print(f"  {name:10s} {value:+.3f}")
    if args.write:
        _write(args.output, w, FEATURES, summary, threshold, "bot/chat/decision.py")


def top_one(rows: list[Row], w: np.ndarray) -> float:
    """Share of questions whose best-scored piece answers."""
    best: dict[str, tuple[float, int]] = {}
    for r in rows:
        z = float(w[0] + np.dot(w[1:], r.features))
        if r.case not in best or z > best[r.case][0]:
            best[r.case] = (z, r.label)
    return sum(label for _, label in best.values()) / max(len(best), 1)


def _write(
    path: Path,
    w: np.ndarray,
    names: tuple[str, ...],
    summary: str,
    threshold: float | None,
    reader: str,
) -> None:
    data: dict[str, object] = {
        "intercept": round(float(w[0]), 4),
        "weights": {f: round(float(v), 4) for f, v in zip(names, w[1:], strict=True)},
    }
    if threshold is not None:
        data["threshold"] = threshold
    data["fitted_on"] = summary
    head = (
        f"# Weights for {reader} (a logistic regression over its features).\n"
        "# Written by `python -m evals.fit_decision --write` on the dev halves only; re-fit "
        "rather than edit.\n"
    )
    path.write_text(head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
