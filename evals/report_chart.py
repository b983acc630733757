"""One PNG bar chart per dataset: every metric of every suite, systems side by side.

matplotlib with the Agg backend (no display needed). Bars carry their value; a metric that is
not applicable gets no bar and an "n/a" mark instead of a misleading zero; metrics where lower
is better are named so on the axis. Tables and text live in :mod:`evals.report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evals.results import SuiteResult

LOWER_IS_BETTER = frozenset(
    {
        "unsupported_sentence_rate",
        "false_abstention_rate",
        "false_alarm_rate",
        "false_crisis_reply_rate",
        "false_redaction_rate",
    }
)


def axis_label(suite: str, metric: str) -> str:
    arrow = " (lower better)" if metric in LOWER_IS_BETTER else ""
    return f"{suite}: {metric}{arrow}"


def write_chart(results: Sequence[SuiteResult], path: Path, title: str) -> None:
    """One panel per suite (only the systems that ran it), so no panel is padded with gaps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suites = list(dict.fromkeys(r.suite for r in results))
    metrics = {
        suite: list(dict.fromkeys(m for r in results if r.suite == suite for m in r.metrics))
        for suite in suites
    }
    systems = list(dict.fromkeys(r.column for r in results))
    colours = {system: f"C{i}" for i, system in enumerate(systems)}
    total = sum(max(1, len(m)) for m in metrics.values())
    fig, axes = plt.subplots(
        1, len(suites), squeeze=False, sharey=True,
        figsize=(min(16.0, max(6.0, 1.1 * total + 1.5)), 4.8),
        gridspec_kw={"width_ratios": [max(1, len(metrics[s])) for s in suites]},
    )  # fmt: skip
    for ax, suite in zip(axes[0], suites, strict=True):
        ran = [r for r in results if r.suite == suite]
        width = 0.8 / max(1, len(ran))
        for i, r in enumerate(ran):
            xs = [x + i * width for x in range(len(metrics[suite]))]
            values = [r.metrics.get(m) for m in metrics[suite]]
            shown = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
            bars = ax.bar(
                [x for x, _ in shown], [v for _, v in shown], width,
                color=colours[r.column], label=r.column,
            )  # fmt: skip
            ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
            for x, v in zip(xs, values, strict=True):
                if v is None:  # not applicable: a mark, never a bar of height 0
                    ax.text(x, 0.03, "n/a", ha="center", fontsize=7, rotation=90)
        ax.set_xticks([x + width * (len(ran) - 1) / 2 for x in range(len(metrics[suite]))])
        ax.set_xticklabels(
            [axis_label(suite, m).split(": ", 1)[1] for m in metrics[suite]],
            rotation=35, ha="right", fontsize=8,
        )  # fmt: skip
        ax.set_title(suite, fontsize=9)
        ax.set_ylim(0, 1.12)
    axes[0][0].set_ylabel("score (0-1)")
    handles = {h.get_label(): h for ax in axes[0] for h in ax.get_legend_handles_labels()[0]}
    if len(systems) > 1:
        fig.legend(
            list(handles.values()), list(handles), loc="upper right", ncol=len(systems), fontsize=8
        )
    fig.suptitle(title, fontsize=10, x=0.02, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    fig.savefig(path, dpi=110)
    plt.close(fig)
