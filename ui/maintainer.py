"""The maintainer console: add documents, refresh the index, read the report, run the evals.

:class:`MaintainerConsole` holds the handlers as plain methods; :func:`build_maintainer_page` lays
out the page, mounted under ``/maintainer`` (``ui/auth.RoleGuard`` lets only maintainers in).
Uploaded files are copied into ``<home>/uploads`` and refreshed from there, so the index keeps
pointing at a file that outlives Gradio's temporary upload folder. The refresh itself, its
reasons and its safety are the knowledge base's business; this page only shows them.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import gradio as gr

from bot.errors import CareerCoachError
from bot.knowledge.worker import refresh_in_worker
from ui.login import failure_rows
from ui.sanitize import literal
from ui.services import Services

log = logging.getLogger(__name__)

REPORT_COLUMNS = ["file", "status", "reason", "doc_id", "chunks"]
SUITES = ["retrieval", "answers", "safety", "plans", "all"]


def _plain(value: Any) -> Any:
    """A pydantic model or dataclass as plain data, for display."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "__dict__"):
        return {k: v for k, v in vars(value).items() if not k.startswith("_")}
    return value


def status_markdown(status: Any) -> str:
    data = _plain(status)
    if not isinstance(data, dict):
        return f"`{data}`"
    lines = []
    for key, value in data.items():
        if isinstance(value, list | dict):
            value = f"{len(value)} item(s)" if value else "—"
        lines.append(f"- **{key}**: {value if value not in (None, '') else '—'}")
    text = "### 知识库状态 / Knowledge base status\n\n" + "\n".join(lines)
    failures = data.get("failures") or []
    if failures:
        rows = "\n".join(
            f"| {literal(Path(str(f.get('path', ''))).name)} | {literal(str(f.get('status')))}"
            f" | {literal(str(f.get('reason')))} |"
            for f in failures
            if isinstance(f, dict)
        )
        text += "\n\n| file | status | reason |\n|---|---|---|\n" + rows
    return text


def report_rows(report: Any) -> list[list[Any]]:
    rows = []
    for item in getattr(report, "files", []) or []:
        rows.append(
            [
                str(getattr(item, "path", "")),
                str(getattr(item, "status", "")),
                str(getattr(item, "reason", "") or ""),
                str(getattr(item, "doc_id", "") or ""),
                getattr(item, "chunks", "") if getattr(item, "chunks", None) is not None else "",
            ]
        )
    return rows


class MaintainerConsole:
    """Handlers of the maintainer console."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def status(self) -> tuple[str, list[list[Any]], Any]:
        """KB status, the document list, and the choices of the remove box."""
        kb = self.services.kb
        rows: list[list[Any]] = []
        refs: list[tuple[str, str]] = []
        for doc in kb.documents():
            data = _plain(doc)
            if not isinstance(data, dict):
                continue
            ref = str(data.get("doc_id") or data.get("path") or "")
            title = data.get("title") or (data.get("meta") or {}).get("title", "")
            refs.append((f"{title} ({ref})" if title else ref, ref))
            rows.append(
                [
                    ref,
                    title,
                    str(data.get("path") or data.get("source") or ""),
                    data.get("chunks", ""),
                ]
            )
        return status_markdown(kb.status()), rows, gr.update(choices=refs, value=None)

    def save_uploads(self, files: list[Any] | None) -> list[Path]:
        """Copy uploaded files into the uploads folder; returns their new paths."""
        saved = []
        folder = self.services.uploads_dir
        folder.mkdir(parents=True, exist_ok=True)
        for item in files or []:
            source = Path(item if isinstance(item, str) else getattr(item, "name", str(item)))
            target = folder / source.name
            shutil.copyfile(source, target)
            saved.append(target)
        return saved

    def refresh(
        self,
        files: list[Any] | None,
        folder: str,
        progress: gr.Progress | None = gr.Progress(),  # noqa: B008 - Gradio injects it by default
    ) -> tuple[list[list[Any]], str]:
        """Refresh the uploaded files and/or a folder on the server; the per-file report."""
        paths = self.save_uploads(files)
        folder = (folder or "").strip()
        if folder:
            root = Path(folder).expanduser()
            if not root.is_dir():
                return (
                    [],
                    f"注意 / Note: {folder}: 不是服务器上的文件夹 / not a folder on the server",
                )
            paths.append(root)
        if not paths:
            return [], "注意 / Note: 请上传文件或填写文件夹 / upload files or give a folder"

        def on_progress(done: int, total: int, path: str) -> None:
            if progress is not None:
                progress((done, total), desc=f"{done}/{total} {Path(str(path)).name}")

        try:
            report = refresh_in_worker(self.services.kb, paths, on_progress)
        except CareerCoachError as error:
            return [], "注意 / Note: " + error.for_language("zh")
        rows = report_rows(report)
        counts: dict[str, int] = {}
        for row in rows:
            counts[row[1]] = counts.get(row[1], 0) + 1
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing to do"
        head = (
            "刷新完成 / refresh done"
            if getattr(report, "ok", True)
            else ("刷新完成，部分文件失败 / refresh done, some files failed")
        )
        return rows, f"{head} — {summary}"

    def remove(self, ref: str | None) -> str:
        if not ref:
            return "注意 / Note: 请选择文档 / pick a document"
        try:
            removed = self.services.kb.remove(ref)
        except CareerCoachError as error:
            return "注意 / Note: " + error.for_language("zh")
        return f"已删除 / removed: {', '.join(removed)}"

    def run_eval(self, suite: str) -> tuple[str, Any]:
        """Run one evaluation suite; its figures as a table and as JSON."""
        if self.services.run_eval is None:
            return "评测不可用 / evaluations are not available here", None
        try:
            result = self.services.run_eval(suite)
        except CareerCoachError as error:
            return "注意 / Note: " + error.for_language("zh"), None
        return eval_markdown(result), result


def eval_markdown(result: dict[str, Any]) -> str:
    """Flatten the numeric figures of an eval result into a two-column table."""
    rows: list[tuple[str, Any]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                name = "/".join(str(item[k]) for k in ("suite", "system") if item.get(k))
                walk(f"{prefix}.{name or i}" if prefix else (name or str(i)), item)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            rows.append((prefix, round(value, 4) if isinstance(value, float) else value))
        elif isinstance(value, bool | str) and len(str(value)) < 80:
            rows.append((prefix, value))

    walk("", result.get("result", result) if len(result) == 1 else result)
    if not rows:
        return "```json\n" + json.dumps(result, ensure_ascii=False, indent=1)[:4000] + "\n```"
    return "| figure | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows[:200])


def build_maintainer_page(services: Services) -> gr.Blocks:
    console = MaintainerConsole(services)
    with gr.Blocks(title="careercoach · 维护控制台 / maintainer console") as page:
        gr.Markdown("## 知识库维护 / Maintainer console\n[退出登录 / sign out](/logout)")
        with gr.Row():
            with gr.Column():
                uploads = gr.File(
                    label="上传文档 / upload documents (pdf, docx, md, txt, html)",
                    file_count="multiple",
                    elem_id="upload",
                )
                folder = gr.Textbox(
                    label="或服务器上的文件夹 / or a folder on the server", elem_id="folder"
                )
                refresh = gr.Button("刷新索引 / Refresh", variant="primary", elem_id="refresh")
                refresh_status = gr.Markdown(elem_id="refresh-status")
            with gr.Column():
                status = gr.Markdown(elem_id="kb-status")
                reload_status = gr.Button("更新状态 / Reload status", size="sm")
        report = gr.Dataframe(
            headers=REPORT_COLUMNS,
            interactive=False,
            wrap=True,
            label="刷新报告 / refresh report",
            elem_id="report",
        )
        documents = gr.Dataframe(
            headers=["doc_id", "title", "source", "chunks"],
            interactive=False,
            wrap=True,
            label="文档 / documents",
            elem_id="documents",
        )
        with gr.Row():
            remove_ref = gr.Dropdown(
                [],
                label="删除文档 / remove a document",
                allow_custom_value=True,
                elem_id="remove-ref",
            )
            remove = gr.Button("删除 / Remove", variant="stop", elem_id="remove")
            remove_status = gr.Markdown()
        with gr.Row():
            suite = gr.Dropdown(
                SUITES, value="safety", label="评测集 / eval suite", elem_id="suite"
            )
            run = gr.Button("运行评测 / Run evaluation", elem_id="run-eval")
        eval_view = gr.Markdown(elem_id="eval-figures")
        eval_json = gr.JSON(label="JSON")
        failed_logins = gr.Dataframe(
            headers=["name", "client", "failures", "first", "last"],
            interactive=False,
            label="近 7 天登录失败 / failed logins, last 7 days",
            elem_id="failed-logins",
        )

        status_outputs = [status, documents, remove_ref]
        page.load(console.status, None, status_outputs)
        page.load(lambda: failure_rows(services), None, failed_logins)
        reload_status.click(console.status, None, status_outputs)
        refresh.click(console.refresh, [uploads, folder], [report, refresh_status]).then(
            console.status, None, status_outputs
        )
        remove.click(console.remove, remove_ref, remove_status).then(
            console.status, None, status_outputs
        )
        run.click(console.run_eval, suite, [eval_view, eval_json])
    return page
