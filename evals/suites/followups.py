"""Follow-ups suite: do elliptical turns stay on the conversation's topic?

Each case is a conversation of a few user turns: a question about a programme, then
"需要什么材料？", then "那专科生呢？". Each turn names the knowledge-base file a correct answer
cites (``doc``) and, optionally, key facts it holds. The turns go to the coach one after
another with the conversation so far (the coach's own answers included), as a graduate would
send them. A turn is on topic when one of its answer's citations comes from its file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import PurePath

from bot.chat.models import Answer, Turn
from evals.cases import Case
from evals.metrics import has_fact, share
from evals.results import CaseResult, SuiteResult

ConverseFn = Callable[[str, list[Turn]], Answer]


def run_followups(
    cases: Sequence[Case], converse: ConverseFn, *, dataset: str, system: str = "careercoach"
) -> SuiteResult:
    started = time.perf_counter()
    on_topic = turns_scored = facts_held = facts_total = 0
    results: list[CaseResult] = []
    for case in cases:
        history: list[Turn] = []
        outcome: list[str] = []
        case_ok = True
        for number, turn in enumerate(case.turns, start=1):
            message = str(turn.get("user", ""))
            reply = converse(message, history)
            history += [Turn(role="user", text=message), Turn(role="assistant", text=reply.answer)]
            doc = str(turn.get("doc") or "")
            cited = [PurePath(c.source).name for c in reply.citations]
            hit = bool(doc) and doc in cited
            if doc:
                turns_scored += 1
                on_topic += hit
                case_ok = case_ok and hit
            wanted = [str(f) for f in turn.get("key_facts") or []]
            held = sum(has_fact(reply.answer, f) for f in wanted) if not reply.abstained else 0
            facts_held, facts_total = facts_held + held, facts_total + len(wanted)
            outcome.append(
                f"{number}. {message} → {reply.standalone_query or message} · "
                f"{'on topic' if hit else 'OFF: ' + ', '.join(dict.fromkeys(cited)) or 'none'}"
                + (f" · facts {held}/{len(wanted)}" if wanted else "")
            )
        results.append(
            CaseResult(
                id=case.id,
                question=" / ".join(str(t.get("user", "")) for t in case.turns),
                tags=case.tags,
                passed=case_ok,
                details={"turns": outcome},
            )
        )
    return SuiteResult(
        suite="followups",
        dataset=dataset,
        system=system,
        metrics={
            "on_topic": share(on_topic, turns_scored),
            "conversations_on_topic": share(sum(bool(r.passed) for r in results), len(results)),
            "followup_key_facts": share(facts_held, facts_total),
        },
        counts={"cases": len(cases), "turns": turns_scored, "key_facts": facts_total},
        cases=results,
        seconds=time.perf_counter() - started,
    )
