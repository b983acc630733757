"""How often verified answers are served, and whether they are ever served wrongly.

``python -m evals.verified_eval [--split dev|test|both] [--calibrate] [--json]`` loads
``evals/datasets/verified.jsonl``, stores its answer groups as verified answers (in memory),
and asks the product's matcher (``bot.verified.VerifiedMatcher``, the knowledge base's embedding
model) about every probe question. It reports per split: ``fire_rate`` (share of probes given a
verified answer), ``recall`` (probes answered by a group that got that group's answer),
``false_fires`` (probes given an answer that does not answer them: another group's, or any when
none does) and ``false_fire_rate``. ``--calibrate`` prints the same figures on dev for a range of
thresholds and the lowest one with no false fire on dev, the value kept in
``knowledge/verified.yaml``; figures to report come from test.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from bot.settings import Settings
from bot.store.models import VerifiedAnswer, VerifiedCitation
from bot.verified import VerifiedMatcher, load_threshold
from evals.verified_cases import AnswerGroup, Probe, load_verified


@dataclass
class _Memory:
    answers: list[VerifiedAnswer]

    def active(self) -> list[VerifiedAnswer]:
        return self.answers

    def withdraw(self, answer_id: int, reason: str, by_user: str = "system") -> Any:
        raise AssertionError("nothing is withdrawn in this evaluation")

    def record_served(self, answer_id: int) -> None:
        return None


class _NoDocuments:
    def documents(self) -> list[Any]:
        return []


def _answers(groups: list[AnswerGroup]) -> tuple[list[VerifiedAnswer], dict[int, str]]:
    now = datetime.now(UTC)
    answers, names = [], {}
    for i, group in enumerate(groups, start=1):
        answers.append(
            VerifiedAnswer(
                id=i, questions=group.questions, answer=f"[{group.group}]",
                lang=group.lang,  # type: ignore[arg-type]
                citations=[VerifiedCitation(doc_id="none")], created_by="eval",
                created_at=now, approved_by="eval", approved_at=now,
            )
        )  # fmt: skip
        names[i] = group.group
    return answers, names


def evaluate(
    matcher: VerifiedMatcher, probes: list[Probe], names: dict[int, str]
) -> dict[str, Any]:
    fired = correct = false = 0
    wrong: list[str] = []
    positives = sum(p.answered_by is not None for p in probes)
    for probe in probes:
        found = matcher.best(probe.question, probe.lang)
        if found is None:
            continue
        fired += 1
        if names[found.answer.id] == probe.answered_by:
            correct += 1
        else:
            false += 1
            wrong.append(probe.id)
    n = len(probes) or 1
    return {
        "cases": len(probes),
        "fire_rate": fired / n,
        "recall": correct / (positives or 1),
        "false_fires": false,
        "false_fire_rate": false / n,
        "false_fire_ids": wrong,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["dev", "test", "both"], default="both")
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from bot.knowledge.embeddings import make_embeddings

    settings = Settings()
    model = make_embeddings(settings)
    groups, probes = load_verified()
    answers, names = _answers(groups)
    embedding_id = f"{settings.embedding_provider}:{settings.embedding_model}"
    threshold = settings.verified_threshold or load_threshold(embedding_id)
    matcher = VerifiedMatcher(_Memory(answers), model, _NoDocuments(), threshold, today=date.today)
    if args.calibrate:
        dev = [p for p in probes if p.split == "dev"]
        chosen = None
        for step in range(90, 100):
            for half in (0, 5):
                matcher.threshold = step / 100 + half / 1000
                figures = evaluate(matcher, dev, names)
                print(f"dev threshold {matcher.threshold:.3f}: {json.dumps(figures)}")
                if chosen is None and figures["false_fires"] == 0:
                    chosen = matcher.threshold
        print(f"lowest threshold with no false fire on dev: {chosen}")
        return
    splits = ("dev", "test") if args.split == "both" else (args.split,)
    report = {s: evaluate(matcher, [p for p in probes if p.split == s], names) for s in splits}
    report["threshold"] = threshold  # type: ignore[assignment]
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print(f"verified answers, threshold {threshold} ({embedding_id})")
    for split in splits:
        figures = report[split]
        print(f"  {split}: " + ", ".join(f"{k} {v if isinstance(v, int | list) else round(v, 3)}"
                                        for k, v in figures.items()))  # fmt: skip


if __name__ == "__main__":
    main()
