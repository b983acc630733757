"""Small bar and line charts for the dashboard, drawn with matplotlib as inline SVG images.

Only numbers and dates reach a chart; the picture goes into the page as a ``data:`` image with
a text alternative, so no file is written and nothing is fetched.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from html import escape

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def chart(
    title: str, labels: Sequence[str], series: dict[str, Sequence[float]], *, percent: bool = False
) -> str:
    """An ``<figure>`` with one bar series or several lines (series names in English: the
    chart font has no Chinese) and ``title`` as its caption."""
    figure, axis = plt.subplots(figsize=(6.4, 2.4), dpi=96)
    try:
        xs = range(len(labels))
        if len(series) == 1:
            ((name, values),) = series.items()
            axis.bar(xs, values, color="#1d4ed8", label=name)
            axis.set_ylim(0, max(1.0, max(values, default=0) * 1.1))  # no negative axis at 0
        else:
            for (name, values), colour in zip(
                series.items(), ("#1d4ed8", "#b45309", "#047857"), strict=False
            ):
                axis.plot(xs, values, marker="o", color=colour, label=name)
            axis.legend(fontsize=8, frameon=False)
        step = max(1, len(labels) // 8)
        axis.set_xticks(
            list(xs)[::step], [labels[i] for i in range(0, len(labels), step)], fontsize=8
        )
        axis.tick_params(axis="y", labelsize=8)
        if percent:
            axis.set_ylim(0, 1)
            axis.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        axis.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg")
    finally:
        plt.close(figure)
    data = base64.b64encode(buffer.getvalue().encode()).decode()
    described = "; ".join(
        f"{name}: "
        + ", ".join(
            f"{label} {value:.0%}" if percent else f"{label} {value:g}"
            for label, value in zip(labels, values, strict=True)
        )
        for name, values in series.items()
    )
    return (
        f'<figure class="cc-chart"><img src="data:image/svg+xml;base64,{data}" '
        f'alt="{escape(title)} — {escape(described)}"><figcaption>{escape(title)}</figcaption>'
        "</figure>"
    )
