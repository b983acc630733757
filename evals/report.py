"""A report a person can read: Markdown and HTML with charts and every case's outcome.

``write_report(results, directory)`` writes ``report.md``, ``report.html`` and one PNG chart per
dataset (matplotlib, Agg backend: no display needed). Systems of the same dataset and suite
(ours and the baselines) are shown side by side. Styling is left minimal on purpose.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from evals.results import SuiteResult


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _chart(results: Sequence[SuiteResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{r.suite}:{m}" for r in results for m in r.metrics]
    labels = list(dict.fromkeys(labels))
    systems = list(dict.fromkeys(r.system for r in results))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.55 * len(labels) + 2), 4))
    width = 0.8 / max(1, len(systems))
    for i, system in enumerate(systems):
        values = []
        for label in labels:
            suite, metric = label.split(":", 1)
            found = [
                r.metrics.get(metric) for r in results if r.system == system and r.suite == suite
            ]
            values.append(found[0] if found and found[0] is not None else 0.0)
        ax.bar([x + i * width for x in range(len(labels))], values, width, label=system)
    ax.set_xticks([x + width * (len(systems) - 1) / 2 for x in range(len(labels))])
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score (0-1)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _groups(results: Sequence[SuiteResult]) -> dict[str, list[SuiteResult]]:
    groups: dict[str, list[SuiteResult]] = {}
    for r in results:
        groups.setdefault(r.dataset, []).append(r)
    return groups


def _metric_rows(results: Sequence[SuiteResult]) -> list[list[str]]:
    rows = []
    for r in results:
        for metric, value in r.metrics.items():
            rows.append([r.suite, metric, r.system, fmt(value)])
    return rows


def _case_rows(result: SuiteResult) -> list[list[str]]:
    rows = []
    for c in result.cases:
        status = {True: "pass", False: "FAIL", None: "-"}[c.passed]
        detail = json.dumps(c.details, ensure_ascii=False, default=str)
        rows.append([c.id, status, c.question[:60], detail[:300]])
    return rows


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def write_report(results: Sequence[SuiteResult], directory: Path) -> tuple[Path, Path]:
    """Write the Markdown and HTML reports (and charts) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().isoformat(timespec="seconds")
    md = [f"# careercoach evaluation report\n\nGenerated {stamp}.\n"]
    page = [
        "<!doctype html><html><head><meta charset='utf-8'><title>careercoach eval</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
        "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px}"
        "</style></head><body>",
        f"<h1>careercoach evaluation report</h1><p>Generated {html.escape(stamp)}.</p>",
    ]
    metric_head = ["suite", "metric", "system", "value"]
    case_head = ["case", "result", "question", "details"]
    for dataset, group in _groups(results).items():
        chart = directory / f"chart-{dataset}.png"
        _chart(group, chart)
        kbs = ", ".join(sorted({r.kb for r in group}))
        md += [f"## {dataset}\n", f"Knowledge: `{kbs}`\n", f"![{dataset}]({chart.name})\n"]
        md += [_md_table(metric_head, _metric_rows(group)), ""]
        page += [
            f"<h2>{html.escape(dataset)}</h2><p>Knowledge: <code>{html.escape(kbs)}</code></p>",
            f"<img src='{chart.name}' alt='{html.escape(dataset)}'>",
            _html_table(metric_head, _metric_rows(group)),
        ]
        for r in group:
            title = f"{r.suite} — {r.system} ({len(r.cases)} cases, {r.seconds:.1f} s)"
            md += [f"### {title}\n", _md_table(case_head, _case_rows(r)), ""]
            page += [f"<h3>{html.escape(title)}</h3>", _html_table(case_head, _case_rows(r))]
    page.append("</body></html>")
    md_path, html_path = directory / "report.md", directory / "report.html"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")
    html_path.write_text("\n".join(page), encoding="utf-8")
    return md_path, html_path
