"""Answers suite: abstention, citation validity, numbers and sentences backed by cited text.

Each case's question goes to the coach; the answer is scored with :mod:`evals.metrics`. Citation,
number and sentence checks look only at answers that did not abstain (an abstention cites
nothing). The optional ``judge`` adds an LLM-rated faithfulness score per answered case.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence

from bot.chat.models import Answer
from evals.cases import Case
from evals.matching import contains_evidence
from evals.metrics import (
    abstention_scores,
    citation_validity,
    fact_scores,
    first_sentence,
    numbers_supported,
    quotes_evidence,
    share,
    unsupported_sentences,
    without_framing,
)
from evals.results import CaseResult, SuiteResult

AnswerFn = Callable[[Case], Answer]
JudgeFn = Callable[[str, str, list[str]], float | None]


def run_answers(
    cases: Sequence[Case],
    answer: AnswerFn,
    *,
    dataset: str,
    judge: JudgeFn | None = None,
    system: str = "careercoach",
    fixed_numbers: frozenset[str] = frozenset(),
    framing: Sequence[re.Pattern[str]] = (),
) -> SuiteResult:
    started = time.perf_counter()
    outcomes: list[tuple[bool, bool]] = []
    tally = dict.fromkeys(
        ("valid", "markers", "num_ok", "nums", "unsupported", "sentences", "ev_hit", "ev_cases"), 0
    )
    quoted: list[bool] = []  # answered, answerable cases: does the answer text say the evidence?
    facts = dict.fromkeys(("cases", "complete", "held", "total", "lead"), 0)  # key-fact cases
    correct = 0  # abstained when it should, answered with the facts (or evidence) when it should
    lang_ok = 0
    faithfulness: list[float] = []
    results: list[CaseResult] = []
    for case in cases:
        reply = answer(case)
        outcomes.append((case.answerable, reply.abstained))
        lang_ok += reply.lang == case.lang
        details: dict[str, object] = {
            "abstained": reply.abstained,
            "answer": reply.answer[:400],
            "citations": len(reply.citations),
            "lang": reply.lang,
        }
        passed = reply.abstained != case.answerable
        if case.answerable and case.key_facts:
            facts["cases"] += 1
            facts["total"] += len(case.key_facts)
            held, lead = fact_scores(reply.answer, case.key_facts, case.lead_facts)
            if reply.abstained:
                held, lead = 0, False
            complete = held == len(case.key_facts)
            facts["held"] += held
            facts["complete"] += complete
            facts["lead"] += lead
            details |= {
                "key_facts": f"{held}/{len(case.key_facts)}",
                "first_sentence": first_sentence(reply.answer)[:120],
                "first_sentence_answers": lead,
            }
            passed = passed and complete
        if not reply.abstained:
            passages = {c.n: c.text for c in reply.citations}
            # the product's own wording around the quotes (lead-in, channels, headings, notes,
            # crisis lines) is not a claim about the documents
            claims = without_framing(reply.answer, framing)
            valid, total = citation_validity(claims, passages)
            ok, checked = numbers_supported(
                claims, list(passages.values()), case.question, fixed_numbers
            )
            bad, judged = unsupported_sentences(claims, passages)
            for key, value in zip(
                ("valid", "markers", "num_ok", "nums", "unsupported", "sentences"),
                (valid, total, ok, checked, bad, judged),
                strict=True,
            ):
                tally[key] += value
            details |= {"markers": f"{valid}/{total}", "numbers": f"{ok}/{checked}"}
            details["unsupported_sentences"] = f"{bad}/{judged}"
            passed = passed and ok == checked and valid == total
            if case.answerable and case.evidence:
                tally["ev_cases"] += 1
                cited = any(contains_evidence(c.text, case.evidence) for c in reply.citations)
                tally["ev_hit"] += cited
                details["evidence_cited"] = cited
                quoted.append(quotes_evidence(reply.answer, case.evidence))
                details["evidence_quoted"] = quoted[-1]
                passed = passed and cited
            if judge is not None:
                score = judge(case.question, reply.answer, list(passages.values()))
                if score is not None:
                    faithfulness.append(score)
                    details["faithfulness"] = score
        elif case.answerable and case.evidence:
            tally["ev_cases"] += 1
        if not case.answerable:
            correct += reply.abstained
        elif not reply.abstained:
            if case.key_facts:
                correct += details["key_facts"] == f"{len(case.key_facts)}/{len(case.key_facts)}"
            else:
                correct += bool(details.get("evidence_quoted", not case.evidence))
        results.append(
            CaseResult(
                id=case.id, question=case.question, tags=case.tags, passed=passed, details=details
            )
        )
    metrics = abstention_scores(outcomes)
    answerable = sum(1 for a, _ in outcomes if a)
    metrics |= {
        "answer_accuracy": share(correct, len(cases)),
        "false_abstention_rate": share(sum(1 for a, d in outcomes if a and d), answerable),
    }
    if facts["cases"]:
        metrics |= {
            "key_facts_complete": share(facts["complete"], facts["cases"]),
            "key_facts_recall": share(facts["held"], facts["total"]),
            "first_sentence_answers": share(facts["lead"], facts["cases"]),
        }
    metrics |= {
        "evidence_cited": share(tally["ev_hit"], tally["ev_cases"]),
        "evidence_quoted": share(sum(quoted), len(quoted)),
        "citation_validity": share(tally["valid"], tally["markers"]),
        "numbers_supported": share(tally["num_ok"], tally["nums"]),
        "unsupported_sentence_rate": share(tally["unsupported"], tally["sentences"]),
        "language_match": share(lang_ok, len(cases)),
    }
    if judge is not None:
        metrics["faithfulness"] = (
            share(0, 0) if not faithfulness else sum(faithfulness) / len(faithfulness)
        )
    return SuiteResult(
        suite="answers",
        dataset=dataset,
        system=system,
        metrics=metrics,
        counts={
            "cases": len(cases),
            "unanswerable": sum(1 for c in cases if not c.answerable),
            "markers": tally["markers"],
            "numbers": tally["nums"],
            "sentences": tally["sentences"],
        },
        cases=results,
        seconds=time.perf_counter() - started,
    )
