"""The maintainer's knowledge-gap list and background evaluations (tabs of ui/maintainer.py).

Gaps: the unanswered (or 👎) questions of graduates, grouped by meaning with the knowledge
base's embedding model (``bot.insights``), kept in the store with a status maintainers set
(open, document added, won't cover) that survives regrouping. Evaluations run as jobs in a
worker process (``bot.evaljobs``): this tab starts, follows (a timer reads the store), cancels
and reads them, also after the tab that started one was closed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import gradio as gr

from bot.errors import CareerCoachError
from bot.evaljobs import SUITES
from bot.insights import group_questions
from bot.store.models import GAP_STATUSES, EvalJob, KnowledgeGap
from ui.services import Services
from ui.timefmt import local, zone_label

log = logging.getLogger(__name__)

GAP_COLUMNS = ["id", "gap", "examples", "status", "note", "last asked", "updated by"]
JOB_COLUMNS = ["id", "suite", "knowledge base", "status", "progress", "now", "started", "gate"]
FAILED_COLUMNS = ["dataset", "suite", "split", "case", "question"]
STATUS_LABELS = {
    "open": "待处理 open",
    "document_added": "已补充文件 document added",
    "wont_cover": "不予覆盖 won't cover",
}
KB_LABELS = {
    "各数据集自带的知识库（门槛按此设定）/ each dataset's own knowledge base (the gate's)": (
        "datasets"
    ),
    "当前在线的知识库 / the live knowledge base graduates are served": "live",
}
GAP_WINDOW_DAYS = 90


class GapList:
    def __init__(self, services: Services, whoami: Any) -> None:
        self.services = services
        self.whoami = whoami
        self.tz = services.settings.tz

    def row(self, gap: KnowledgeGap) -> list[Any]:
        sentence = (
            f"{gap.asked} 位毕业生问到“{gap.label}”，知识库没能回答 / "
            f"{gap.asked} graduate(s) asked “{gap.label}” and the knowledge base had no answer"
        )
        return [
            gap.id,
            sentence,
            " | ".join(gap.examples),
            STATUS_LABELS.get(gap.status, gap.status),
            gap.note,
            local(gap.last_seen, self.tz),
            gap.updated_by or "—",
        ]

    def rows(self, status: str | None = None) -> list[list[Any]]:
        wanted = status if status in GAP_STATUSES else None
        return [self.row(g) for g in self.services.store.gaps.find(wanted)]

    def regroup(self, status: str | None = None) -> tuple[list[list[Any]], str]:
        """Group the recent unanswered questions and merge them into the stored gaps."""
        store = self.services.store
        since = datetime.now(UTC) - timedelta(days=GAP_WINDOW_DAYS)
        asked = store.asked_unanswered(since)
        groups = group_questions(asked, self.services.kb.embeddings()) if asked else []
        store.gaps.sync([g.as_gap() for g in groups])
        return self.rows(status), (
            f"{len(asked)} 个问题分成 {len(groups)} 组 / {len(asked)} questions in "
            f"{len(groups)} group(s) (最近 {GAP_WINDOW_DAYS} 天 / last {GAP_WINDOW_DAYS} days)"
        )

    def set_status(
        self, gap_id: float | None, status: str, note: str, shown: str | None, request: gr.Request
    ) -> tuple[list[list[Any]], str]:
        user = self.whoami(request)
        if not user or not gap_id:
            return self.rows(shown), "请填写缺口编号 / give a gap id"
        try:
            self.services.store.gaps.set_status(int(gap_id), status, user, note or "")
        except CareerCoachError as error:
            return self.rows(shown), "注意 / Note: " + error.for_language("zh")
        return self.rows(shown), f"缺口 #{int(gap_id)} → {STATUS_LABELS.get(status, status)}"


def build_gaps_tab(services: Services, whoami: Any, page: gr.Blocks) -> None:
    gaps = GapList(services, whoami)
    with gr.Row():
        shown = gr.Dropdown(
            [("全部 / all", "all")] + [(v, k) for k, v in STATUS_LABELS.items()],
            value="open",
            label="显示 / show",
            elem_id="gap-filter",
        )
        regroup = gr.Button(
            "重新分组 / Regroup questions", variant="primary", elem_id="gap-regroup"
        )
    note = gr.Markdown(elem_id="gap-status")
    table = gr.Dataframe(
        headers=GAP_COLUMNS,
        interactive=False,
        wrap=True,
        label="知识缺口 / knowledge gaps",
        elem_id="gap-list",
    )
    with gr.Row():
        gap_id = gr.Number(label="缺口编号 / gap #", precision=0, elem_id="gap-id")
        status = gr.Radio(
            [(v, k) for k, v in STATUS_LABELS.items()],
            value="document_added",
            label="状态 / status",
            elem_id="gap-new-status",
        )
        comment = gr.Textbox(label="说明 / note (e.g. which document)", elem_id="gap-note")
        save = gr.Button("保存 / Save", elem_id="gap-save")
    page.load(gaps.regroup, shown, [table, note])
    regroup.click(gaps.regroup, shown, [table, note])
    shown.change(gaps.rows, shown, table)
    save.click(gaps.set_status, [gap_id, status, comment, shown], [table, note])


class EvaluationJobs:
    def __init__(self, services: Services, whoami: Any) -> None:
        self.services = services
        self.whoami = whoami
        self.tz = services.settings.tz

    def row(self, job: EvalJob) -> list[Any]:
        share = f" ({job.done / job.total:.0%})" if job.total else ""
        gate = {True: "通过 passed", False: "未通过 failed", None: "—"}[job.passed]
        knowledge = "live 在线" if job.kb == "live" else "datasets 数据集自带"
        return [
            job.id,
            job.suite,
            knowledge,
            job.status,
            f"{job.done}/{job.total}{share}",
            job.message[:120],
            local(job.started_at or job.created_at, self.tz),
            gate,
        ]

    def table(self) -> list[list[Any]]:
        if self.services.jobs is None:
            return []
        return [self.row(j) for j in self.services.jobs.recent()]

    def start(
        self, suite: str, kb_label: str, request: gr.Request
    ) -> tuple[list[list[Any]], str, Any]:
        user = self.whoami(request)
        if self.services.jobs is None or not user:
            return self.table(), "评测不可用 / evaluations are not available here", gr.update()
        try:
            job = self.services.jobs.start(suite, KB_LABELS.get(kb_label, "datasets"), user)
        except CareerCoachError as error:
            return self.table(), "注意 / Note: " + error.for_language("zh"), gr.update()
        text = (
            f"评测任务 #{job.id} 已在后台开始，可以关闭本页，稍后回来查看 / "
            f"job #{job.id} runs in the "
            "background: you may close this tab and read it later"
        )
        return self.table(), text, job.id

    def cancel(self, job_id: float | None) -> tuple[list[list[Any]], str]:
        if self.services.jobs is None or not job_id:
            return self.table(), "请填写任务编号 / give a job id"
        try:
            job = self.services.jobs.cancel(int(job_id))
        except CareerCoachError as error:
            return self.table(), "注意 / Note: " + error.for_language("zh")
        return self.table(), f"任务 #{job.id}: {job.status} (已请求取消 / cancel requested)"

    def details(self, job_id: float | None) -> tuple[str, list[list[Any]]]:
        """A job's figures, its gate verdict and the cases that failed."""
        if not job_id or self.services.jobs is None:
            return "", []
        try:
            job = self.services.store.jobs.get(int(job_id))
        except CareerCoachError as error:
            return "注意 / Note: " + error.for_language("zh"), []
        result = job.result or {}
        lines = [
            f"### 评测任务 #{job.id} · {job.suite} · {job.status}",
            f"- 知识库 / knowledge base: {', '.join(result.get('knowledge', [])) or job.kb}",
            f"- 发起 / started by {job.created_by} · {local(job.created_at, self.tz)} · "
            f"结束 / finished {local(job.finished_at, self.tz) or '—'} ({zone_label(self.tz)})",
            f"- 结论 / verdict: {job.message or '—'}",
        ]
        for shortfall in result.get("shortfalls", []):
            lines.append(f"- 低于门槛 / below the gate: `{shortfall}`")
        rows = ["", "| dataset | suite | split | metric | value |", "|---|---|---|---|---|"]
        for summary in result.get("results", []):
            if summary.get("system") != "careercoach":
                continue
            for metric, value in (summary.get("metrics") or {}).items():
                shown = f"{value:.3f}" if isinstance(value, float) else str(value)
                rows.append(
                    f"| {summary['dataset']} | {summary['suite']} | {summary.get('split') or '—'} "
                    f"| {metric} | {shown} |"
                )
        failed = [
            [f["dataset"], f["suite"], f.get("split") or "—", f["id"], f.get("question", "")]
            for f in result.get("failed", [])
        ]
        total = result.get("failed_total", len(failed))
        lines.append(f"- 未通过的用例 / failed cases: {total}")
        return "\n".join(lines + (rows if len(rows) > 3 else [])), failed


def build_evaluation_tab(services: Services, whoami: Any, page: gr.Blocks) -> None:
    jobs = EvaluationJobs(services, whoami)
    with gr.Row():
        suite = gr.Dropdown(list(SUITES), value="safety", label="评测集 / suite", elem_id="suite")
        kb = gr.Radio(
            list(KB_LABELS),
            value=next(iter(KB_LABELS)),
            label="知识库 / knowledge base",
            elem_id="eval-kb",
        )
        start = gr.Button(
            "后台运行评测 / Run in the background", variant="primary", elem_id="run-eval"
        )
    started = gr.Markdown(elem_id="eval-started")
    table = gr.Dataframe(
        headers=JOB_COLUMNS,
        interactive=False,
        wrap=True,
        label="评测历史 / evaluation history",
        elem_id="eval-jobs",
    )
    with gr.Row():
        job_id = gr.Number(label="任务编号 / job #", precision=0, elem_id="eval-job-id")
        show = gr.Button("查看结果 / Show", elem_id="eval-show")
        cancel = gr.Button("取消 / Cancel", variant="stop", elem_id="eval-cancel")
    figures = gr.Markdown(elem_id="eval-figures")
    failed = gr.Dataframe(
        headers=FAILED_COLUMNS,
        interactive=False,
        wrap=True,
        label="未通过的用例 / failed cases",
        elem_id="eval-failed",
    )
    timer = gr.Timer(2.0)
    timer.tick(jobs.table, None, table, show_progress="hidden")
    page.load(jobs.table, None, table)
    start.click(jobs.start, [suite, kb], [table, started, job_id])
    cancel.click(jobs.cancel, job_id, [table, started])
    show.click(jobs.details, job_id, [figures, failed])
