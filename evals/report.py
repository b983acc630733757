"""A report a person can read: Markdown and HTML with charts and every case's outcome.

``write_report(results, directory, thresholds)`` writes ``report.md``, ``report.html`` and one
PNG chart per dataset (:mod:`evals.report_chart`). It opens with a summary (one line per suite:
the gate's verdict against ``evals/thresholds.yaml`` and the figures that fell short), then per
dataset a table with ours and the baselines side by side next to each threshold, then the cases,
failures first. It ends with what each metric means. Styling is left minimal on purpose.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from evals.gate import check
from evals.report_chart import LOWER_IS_BETTER, write_chart
from evals.results import CaseResult, SuiteResult

OURS = "careercoach"
METRIC_NOTES = {
    "hit@1": "share of answerable questions whose first hit contains the evidence",
    "hit@3": "… evidence within the first 3 hits",
    "hit@5": "… evidence within the first 5 hits",
    "mrr": "mean of 1/rank of the first hit with the evidence (0 when not in the top 5)",
    "abstention_precision": "of the answers that abstained, the share that should have",
    "abstention_recall": "of the unanswerable questions, the share where the system abstained",
    "answer_accuracy": "cases handled right: abstained when unanswerable; otherwise answered with "
    "every key fact (or, without key facts, the evidence) in the answer text",
    "false_abstention_rate": "answerable questions where the system abstained",
    "key_facts_complete": "answerable questions whose answer holds every key fact (word for word)",
    "key_facts_recall": "key facts of answerable questions found in their answers",
    "first_sentence_answers": "answerable questions whose first answer sentence holds a lead fact",
    "on_topic": "conversation turns whose answer cites the document the turn is about",
    "evidence_cited": "answerable questions whose citations contain the evidence",
    "evidence_quoted": "answered questions whose answer text itself contains the evidence",
    "citation_validity": "[n] markers whose cited passage shares ≥ 50 % of the sentence's tokens",
    "numbers_supported": "numbers in answers that appear in the cited text (target 1.0)",
    "unsupported_sentence_rate": "sentences sharing < 50 % of tokens with any cited passage",
    "language_match": "answers in the language the question expects",
    "faithfulness": "LLM judge (--judge): share of supported sentences, mean over answers",
    "intent_accuracy": "safety cases routed to the expected intent",
    "flagged_accuracy": "safety cases flagged (or not) as expected",
    "no_leak": "cases whose answer contains no secret prompt line or forbidden text",
    "abstention_accuracy": "safety cases that abstained (or answered) as expected",
    "must_contain": "safety cases whose answer contains one of the required phrases",
    "pass_rate": "safety cases passing every check",
    "recall": "distress: messages that got the crisis lines (caring reply or appended); "
    "redaction: personal-data spans removed",
    "likely_recall": "distress messages that got the caring reply instead of an answer",
    "false_alarm_rate": "calm messages that got the crisis lines at all (lower is better)",
    "false_crisis_reply_rate": "calm messages that got the caring reply (lower is better)",
    "false_redaction_rate": "messages where text outside the personal data changed (target 0)",
    "keep_intact": "policy numbers, amounts, dates and hotlines left exactly as typed",
    "eligibility_precision": "catalogue ids rated 'likely' that the labels call eligible",
    "eligibility_recall": "catalogue ids labelled eligible that were rated 'likely'",
}


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _bound(limits: dict[str, float]) -> str:
    return " and ".join(
        f"{'≥' if kind == 'min' else '≤'} {value:g}" for kind, value in sorted(limits.items())
    )


def _summary_rows(results: Sequence[SuiteResult], thresholds: dict[str, Any]) -> list[list[str]]:
    rows = []
    for r in results:
        if r.system != OURS:
            continue
        limits = thresholds.get(r.dataset, {}).get(r.suite)
        if not limits:
            verdict = "no thresholds"
        else:
            short = check([r], {r.dataset: {r.suite: limits}})
            verdict = (
                "pass"
                if not short
                else "FAIL: "
                + "; ".join(f"{s.metric} {fmt(s.value)} (wanted {s.bound})" for s in short)
            )
        failing = sum(1 for c in r.cases if c.passed is False)
        if r.split == "dev":
            verdict = "not gated (tuning half)"
        rows.append(
            [r.dataset, r.split or "all", r.suite, str(len(r.cases)), str(failing), verdict,
             f"{r.seconds:.1f}"]
        )  # fmt: skip
    return rows


def _metric_rows(group: Sequence[SuiteResult], thresholds: dict[str, Any]) -> list[list[str]]:
    systems = list(dict.fromkeys(r.column for r in group))
    rows = []
    for suite in dict.fromkeys(r.suite for r in group):
        by_system = {r.column: r for r in group if r.suite == suite}
        limits = thresholds.get(group[0].dataset, {}).get(suite, {})
        for metric in dict.fromkeys(m for r in by_system.values() for m in r.metrics):
            name = metric + (" ↓" if metric in LOWER_IS_BETTER else "")
            values = [
                fmt(by_system[s].metrics.get(metric)) if s in by_system else "—" for s in systems
            ]
            rows.append([suite, name, *values, _bound(limits[metric]) if metric in limits else ""])
    return rows


def _detail_text(details: dict[str, Any], limit: int = 600) -> str:
    parts = []
    for key, value in details.items():
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value) or "–"
        room = 300 if key == "answer" else 160  # the answer is what a reviewer reads
        parts.append(f"{key}: {' '.join(str(value).split())[:room]}")
    text = " · ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _case_rows(cases: Sequence[CaseResult]) -> list[list[str]]:
    order = {False: 0, None: 1, True: 2}  # failures first: they are what a maintainer reads
    rows = []
    for c in sorted(cases, key=lambda c: order[c.passed]):
        status = {True: "pass", False: "FAIL", None: "-"}[c.passed]
        rows.append([c.id, status, c.question[:80], _detail_text(c.details)])
    return rows


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    def td(text: str) -> str:
        mark = " class='fail'" if text == "FAIL" or text.startswith("FAIL:") else ""
        return f"<td{mark}>{html.escape(text)}</td>"

    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(td(c) for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = (
    "body{font-family:sans-serif;max-width:1200px;margin:auto;padding:0 1em}"
    "table{border-collapse:collapse;font-size:13px;margin:.5em 0}"
    "td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}th{background:#f4f4f4}"
    "td.fail{color:#a00;font-weight:bold}img{max-width:100%}"
)


def write_report(
    results: Sequence[SuiteResult], directory: Path, thresholds: dict[str, Any] | None = None
) -> tuple[Path, Path]:
    """Write the Markdown and HTML reports (and charts) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    limits = thresholds or {}
    stamp = datetime.now().isoformat(timespec="seconds")
    intro = (
        f"Generated {stamp}. Only careercoach is gated; the baseline recipes "
        "(langchain-recursive-500: LangChain's recursive splitter at 500/50 + the same embedding, "
        "dense only; bm25-only: the same chunks, jieba + BM25) run the retrieval suite beside it "
        "for comparison. ↓ marks a metric where lower is better. Datasets split once by id "
        "show their dev half (what the product was tuned on) beside their frozen test half; "
        "only test is gated."
    )
    summary_head = ["dataset", "split", "suite", "cases", "failing cases", "gate", "seconds"]
    summary = _summary_rows(results, limits)
    md = ["# careercoach evaluation report\n", intro + "\n", "## Summary\n"]
    md += [_md_table(summary_head, summary), ""]
    page = [
        "<!doctype html><html><head><meta charset='utf-8'><title>careercoach eval</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>careercoach evaluation report</h1>",
        f"<p>{html.escape(intro)}</p><h2>Summary</h2>",
        _html_table(summary_head, summary),
    ]
    groups: dict[str, list[SuiteResult]] = {}
    for r in results:
        groups.setdefault(r.dataset, []).append(r)
    for dataset, group in groups.items():
        chart = directory / f"chart-{dataset}.png"
        systems = list(dict.fromkeys(r.column for r in group))
        write_chart(group, chart, f"{dataset}: " + " vs ".join(systems))
        kbs = ", ".join(sorted({r.kb for r in group}))
        head = ["suite", "metric", *systems, "threshold (test)"]
        table = _metric_rows(group, limits)
        md += [f"## {dataset}\n", f"Knowledge: `{kbs}`\n", f"![{dataset}]({chart.name})\n"]
        md += [_md_table(head, table), ""]
        page += [
            f"<h2>{html.escape(dataset)}</h2><p>Knowledge: <code>{html.escape(kbs)}</code></p>",
            f"<img src='{chart.name}' alt='chart of {html.escape(dataset)}'>",
            _html_table(head, table),
        ]
        for r in group:
            failing = sum(1 for c in r.cases if c.passed is False)
            title = (
                f"{r.suite} — {r.column}: {len(r.cases)} cases, {failing} failing "
                f"({r.seconds:.1f} s)"
            )
            rows = _case_rows(r.cases)
            head = ["case", "result", "question", "details"]
            md += [f"### {title}\n", _md_table(head, rows), ""]
            page += [f"<h3>{html.escape(title)}</h3>", _html_table(head, rows)]
    notes = [[m, n] for m, n in METRIC_NOTES.items()]
    md += ["## What the metrics mean\n", _md_table(["metric", "meaning"], notes), ""]
    page += ["<h2>What the metrics mean</h2>", _html_table(["metric", "meaning"], notes)]
    page.append("</body></html>")
    md_path, html_path = directory / "report.md", directory / "report.html"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")
    html_path.write_text("\n".join(page), encoding="utf-8")
    return md_path, html_path
