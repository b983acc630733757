"""The counselor dashboard: conversations, answers, abstention and 👎 rates, distress flags by
day and by week, intents, median latency, and the top unanswered or 👎 questions grouped by
meaning (``bot.insights``, with the knowledge base's embedding model).

Days are days of the configured time zone, the same as the queue's filters.
"""

from __future__ import annotations

import logging
import statistics
from datetime import date, timedelta
from typing import Any

import gradio as gr

from bot.insights import group_questions
from bot.store.models import DayStats
from ui.charts import chart
from ui.services import Services
from ui.timefmt import zone_label

log = logging.getLogger(__name__)

PERIODS = {
    "最近 14 天 / last 14 days": 14,
    "最近 8 周 / last 8 weeks": 56,
    "最近 30 天 / last 30 days": 30,
}


def _weeks(days: list[DayStats]) -> list[DayStats]:
    """The days summed per ISO week (labelled by its Monday)."""
    out: dict[date, DayStats] = {}
    for day in days:
        monday = day.day - timedelta(days=day.day.weekday())
        week = out.setdefault(monday, DayStats(day=monday))
        for name in (
            "conversations",
            "answers",
            "abstained",
            "rated",
            "negative",
            "distress_flags",
        ):
            setattr(week, name, getattr(week, name) + getattr(day, name))
        week.latencies_ms += day.latencies_ms
        for intent, n in day.intents.items():
            week.intents[intent] = week.intents.get(intent, 0) + n
    return list(out.values())


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


class Dashboard:
    def __init__(self, services: Services) -> None:
        self.services = services

    def figures(
        self, period: str, today: date | None = None
    ) -> tuple[str, str, list[list[Any]], list[list[Any]]]:
        """(totals Markdown, charts HTML, intents rows, question-group rows)."""
        store = self.services.store
        today = today or self.services.settings.today()
        span = PERIODS.get(period, 14)
        days = store.day_stats(today - timedelta(days=span - 1), today)
        buckets = _weeks(days) if span > 31 else days
        labels = [d.day.strftime("%m-%d") for d in buckets]
        answers = sum(d.answers for d in days)
        policy = sum(d.intents.get("policy", 0) for d in days)
        latencies = [ms for d in days for ms in d.latencies_ms]
        negative, rated = sum(d.negative for d in days), sum(d.rated for d in days)
        zone = zone_label(self.services.settings.tz)
        totals = (
            f"**{sum(d.conversations for d in days)}** 个对话 conversations · **{answers}** 条回答 "
            f"answers · 未作答率 abstention **{_rate(sum(d.abstained for d in days), policy):.0%}**"
            f" · 差评率 👎 rate **{_rate(negative, rated):.0%}**"
            f" · 危机标记 distress flags **{sum(d.distress_flags for d in days)}** · 中位延迟 "
            f"median latency **{statistics.median(latencies) if latencies else 0:.0f} ms** · "
            f"{'按周 by week' if span > 31 else '按天 by day'} · {zone}"
        )
        charts = "".join(
            [
                chart(
                    "对话数 / conversations",
                    labels,
                    {"conversations": [d.conversations for d in buckets]},
                ),
                chart("回答数 / answers", labels, {"answers": [d.answers for d in buckets]}),
                chart(
                    "未作答率与差评率 / abstention and 👎 rates",
                    labels,
                    {
                        "abstained": [
                            _rate(d.abstained, d.intents.get("policy", 0)) for d in buckets
                        ],
                        "thumbs down": [_rate(d.negative, d.rated) for d in buckets],
                    },
                    percent=True,
                ),
                chart(
                    "危机标记 / distress flags",
                    labels,
                    {"distress flags": [d.distress_flags for d in buckets]},
                ),
            ]
        )
        intents: dict[str, int] = {}
        for d in days:
            for intent, n in d.intents.items():
                intents[intent] = intents.get(intent, 0) + n
        intent_rows = [
            [k, v, f"{_rate(v, answers):.0%}"]
            for k, v in sorted(intents.items(), key=lambda x: -x[1])
        ]
        return totals, charts, intent_rows, self.question_groups(today - timedelta(days=span - 1))

    def question_groups(self, since: date, limit: int = 15) -> list[list[Any]]:
        """The most asked unanswered or 👎 questions, grouped by meaning."""
        from datetime import datetime, time

        store = self.services.store
        tz = self.services.settings.tz
        asked = store.asked_unanswered(datetime.combine(since, time(0), tzinfo=tz))
        if not asked:
            return []
        groups = group_questions(asked, self.services.kb.embeddings())
        rows = []
        for group in groups[:limit]:
            examples = list(dict.fromkeys(q.question for q in group.questions))
            rows.append(
                [
                    group.label,
                    group.conversations,
                    sum(q.abstained for q in group.questions),
                    sum(q.negative for q in group.questions),
                    " | ".join(examples[:3]),
                ]
            )
        return rows


def build_dashboard_tab(services: Services, page: gr.Blocks) -> None:
    board = Dashboard(services)
    with gr.Row():
        period = gr.Radio(
            list(PERIODS), value=next(iter(PERIODS)), label="时间段 / period", elem_id="period"
        )
        refresh = gr.Button("更新 / Refresh", elem_id="dashboard-refresh")
    totals = gr.Markdown(elem_id="dashboard-totals")
    charts = gr.Markdown(elem_id="dashboard-charts")  # <figure>s with data: SVG images
    intents = gr.Dataframe(
        headers=["intent", "count", "share"],
        interactive=False,
        label="意图 / intents",
        elem_id="dashboard-intents",
    )
    groups = gr.Dataframe(
        headers=["question (most central)", "conversations", "abstained", "👎", "examples"],
        interactive=False,
        wrap=True,
        label="未答出或差评最多的问题（按相似度分组）/ "
        "top unanswered or 👎 questions, grouped by similarity",
        elem_id="dashboard-groups",
    )
    outputs = [totals, charts, intents, groups]
    refresh.click(board.figures, period, outputs)
    period.change(board.figures, period, outputs)
    page.load(board.figures, period, outputs)
