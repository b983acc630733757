"""The maintainer console: the knowledge base (refresh, documents, removal with undo), a
"test a question" box, the knowledge-gap list and background evaluations.

:class:`MaintainerConsole` holds the knowledge-base handlers as plain methods;
``ui/maintainer_tabs.py`` the gap and evaluation tabs. The page is mounted under
``/maintainer`` (``ui/auth.RoleGuard`` lets only maintainers in). Uploaded files are copied
into ``<home>/uploads`` and refreshed from there, so the index keeps pointing at a file that
outlives Gradio's temporary upload folder (and a removal can be undone by indexing it again).
The refresh itself, its reasons and its safety are the knowledge base's business.
"""

from __future__ import annotations

import logging
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import gradio as gr

from bot.errors import CareerCoachError
from bot.knowledge.worker import refresh_in_worker
from ui.auth import staff_name
from ui.login import failure_rows
from ui.maintainer_tabs import build_evaluation_tab, build_gaps_tab
from ui.services import Services

log = logging.getLogger(__name__)

REPORT_COLUMNS = ["document", "file", "status", "reason", "chunks"]
DOC_COLUMNS = [
    "title",
    "issuer",
    "region",
    "published",
    "effective",
    "expires",
    "status",
    "chunks",
    "file",
]
HIT_COLUMNS = ["#", "document", "section", "fused", "dense cosine", "BM25", "shared terms", "text"]
_WORDS = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z]{3,}|\d+")


def _terms(text: str) -> set[str]:
    """Words, numbers and overlapping CJK character pairs of ``text``."""
    out: set[str] = set()
    for word in _WORDS.findall(text.lower()):
        if "\u4e00" <= word[0] <= "\u9fff":
            out.update(word[i : i + 2] for i in range(len(word) - 1))
        else:
            out.add(word)
    return out


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
    shown = {
        "documents": "文档 documents",
        "chunks": "段落 chunks",
        "last_refresh": "上次刷新 last refresh (UTC)",
        "model": "向量模型 embedding model",
        "generation": "索引版本 generation",
    }
    lines = [
        f"- **{label}**: {data.get(key) if data.get(key) not in (None, '') else '—'}"
        for key, label in shown.items()
    ]
    failures = data.get("failures") or []
    text = "### 知识库状态 / Knowledge base status\n\n" + "\n".join(lines)
    if failures:
        text += (
            f"\n- **未能索引 failed or skipped**: {len(failures)}（见刷新报告 / see the report）"
        )
    return text


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def report_rows(report: Any, titles: dict[str, str]) -> list[list[Any]]:
    """The refresh report, one row a file: its title (when indexed), name, status, reason."""
    rows = []
    for item in getattr(report, "files", []) or []:
        doc_id = str(getattr(item, "doc_id", "") or "")
        rows.append(
            [
                titles.get(doc_id, "—"),
                Path(str(getattr(item, "path", ""))).name,
                str(getattr(item, "status", "")),
                str(getattr(item, "reason", "") or ""),
                getattr(item, "chunks", "") or "",
            ]
        )
    return rows


def chunks_of(kb: Any, doc_id: str) -> list[Any]:
    """The chunks of one document, in order (through ``kb.chunks`` where the knowledge base has
    it, else the serving generation)."""
    listing = getattr(kb, "chunks", None)
    if callable(listing):
        return list(listing(doc_id))
    generation = kb.generation()
    return [c for c in generation.chunks if c.doc_id == doc_id]


class MaintainerConsole:
    """Handlers of the knowledge-base tab and the test-a-question box."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def titles(self) -> dict[str, str]:
        return {d.doc_id: d.title for d in self.services.kb.documents()}

    def status(self) -> tuple[str, list[list[Any]], Any]:
        """KB status, the documents table, and the choices of the document picker."""
        kb = self.services.kb
        today = self.services.settings.today()
        rows: list[list[Any]] = []
        refs: list[tuple[str, str]] = []
        for doc in kb.documents():
            meta = doc.meta
            state = "有效 valid"
            if meta.superseded_by:
                state = f"已被取代 superseded by {meta.superseded_by}"
            elif meta.expiry_date and meta.expiry_date < today:
                state = "已过期 expired"
            rows.append(
                [
                    doc.title,
                    meta.issuer or "—",
                    meta.region or "—",
                    _day(meta.publish_date),
                    _day(meta.effective_date),
                    _day(meta.expiry_date),
                    state,
                    doc.chunks,
                    Path(doc.path).name,
                ]
            )
            refs.append((f"{doc.title} ({Path(doc.path).name})", doc.doc_id))
        return status_markdown(kb.status()), rows, gr.update(choices=refs, value=None)

    def preview(self, doc_id: str | None) -> str:
        """The first chunks of a document, as plain text with their sections."""
        if not doc_id:
            return ""
        parts = []
        for chunk in chunks_of(self.services.kb, doc_id)[:6]:
            section = " / ".join(chunk.section_path)
            parts.append(f"[{chunk.ordinal}] {section}\n{chunk.text}")
        return "\n\n".join(parts) or "（没有段落 / no chunks）"

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
        if self.services.verified is not None:  # answers citing a changed document go now
            self.services.verified.sweep()
        rows = report_rows(report, self.titles())
        counts: dict[str, int] = {}
        for row in rows:
            counts[row[2]] = counts.get(row[2], 0) + 1
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing to do"
        ok = getattr(report, "ok", True)
        head = (
            "刷新完成 / refresh done"
            if ok
            else "刷新完成，部分文件失败 / refresh done, some files failed"
        )
        generation = getattr(report, "generation", 0)
        serving = f" · 索引第 {generation} 代 / index generation {generation}" if generation else ""
        return rows, f"{head} — {summary}{serving}"

    # --- removal: confirm with the title, undo by indexing the file again -------------------
    def ask_remove(self, doc_id: str | None) -> tuple[str, Any]:
        if not doc_id:
            return "注意 / Note: 请选择文档 / pick a document", gr.update(visible=False)
        title = self.titles().get(doc_id, doc_id)
        return (
            f"确定从知识库删除《{title}》吗？/ Remove “{title}” from the knowledge base?",
            gr.update(visible=True),
        )

    def remove(self, doc_id: str | None) -> tuple[str, Any, Any, dict[str, str] | None]:
        """Remove; returns (status, confirm row, undo button, what undo needs)."""
        hidden = gr.update(visible=False)
        if not doc_id:
            return "注意 / Note: 请选择文档 / pick a document", hidden, hidden, None
        doc = next((d for d in self.services.kb.documents() if d.doc_id == doc_id), None)
        if doc is None:
            return "注意 / Note: 文档已不在知识库中 / no longer indexed", hidden, hidden, None
        try:
            self.services.kb.remove(doc_id)
        except CareerCoachError as error:
            return "注意 / Note: " + error.for_language("zh"), hidden, hidden, None
        if self.services.verified is not None:
            self.services.verified.sweep()
        undo = {"path": doc.path, "title": doc.title}
        can_undo = Path(doc.path).is_file()
        return (
            f"已删除《{doc.title}》/ removed “{doc.title}”",
            hidden,
            gr.update(visible=can_undo),
            undo if can_undo else None,
        )

    def undo(self, removed: dict[str, str] | None) -> tuple[str, Any, None]:
        hidden = gr.update(visible=False)
        if not removed:
            return "没有可撤销的删除 / nothing to undo", hidden, None
        try:
            refresh_in_worker(self.services.kb, [Path(removed["path"])])
        except CareerCoachError as error:
            return "注意 / Note: " + error.for_language("zh"), hidden, None
        return f"已恢复《{removed['title']}》/ restored “{removed['title']}”", hidden, None

    # --- test a question -------------------------------------------------------------------
    def test_question(self, question: str) -> tuple[list[list[Any]], str]:
        """What retrieval returns for ``question`` and why (scores, shared terms)."""
        question = (question or "").strip()
        if not question:
            return [], "请输入问题 / type a question"
        try:
            hits = self.services.kb.search(question, 8)
        except CareerCoachError as error:
            return [], "注意 / Note: " + error.for_language("zh")
        asked = _terms(question)
        rows = []
        for rank, hit in enumerate(hits, start=1):
            shared = sorted(asked & _terms(hit.text))
            dense = getattr(hit, "dense_score", None)
            lexical = getattr(hit, "lexical_score", None)
            rows.append(
                [
                    rank,
                    hit.title,
                    hit.section or "—",
                    round(hit.score, 4),
                    round(dense, 3) if dense is not None else "—",
                    round(lexical, 2) if lexical is not None else "—",
                    " ".join(shared[:12]) or "—",
                    hit.text[:300],
                ]
            )
        note = (
            f"{len(rows)} 个段落 / passages. fused = 向量与关键词排名融合 "
            "(reciprocal rank fusion of dense and BM25 ranks); dense cosine = "
            "问题与段落的向量相似度; BM25 = 关键词得分; shared terms = "
            "问题与段落共有的词 / terms the question and the passage share."
        )
        return rows, note


def build_maintainer_page(services: Services, whoami: Any = staff_name) -> gr.Blocks:
    console = MaintainerConsole(services)
    with gr.Blocks(title="careercoach · 维护控制台 / maintainer console") as page:
        gr.Markdown("# 知识库维护 / Maintainer console", elem_id="title")
        gr.Markdown("[退出登录 / sign out](/logout)", elem_id="staff-link")
        with gr.Tabs():
            with gr.Tab("知识库 / Knowledge base", id="kb"):
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
                        refresh = gr.Button(
                            "刷新索引 / Refresh", variant="primary", elem_id="refresh"
                        )
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
                    headers=DOC_COLUMNS,
                    interactive=False,
                    wrap=True,
                    label="文档 / documents",
                    elem_id="documents",
                )
                with gr.Row():
                    picked = gr.Dropdown([], label="选择文档 / pick a document", elem_id="doc-pick")
                    remove = gr.Button("删除… / Remove…", variant="stop", elem_id="remove")
                with gr.Row(visible=False) as confirm_row:
                    confirm = gr.Button(
                        "确认删除 / Yes, remove", variant="stop", elem_id="confirm-remove"
                    )
                    cancel = gr.Button("取消 / Cancel", elem_id="cancel-remove")
                remove_status = gr.Markdown(elem_id="remove-status")
                undo = gr.Button("撤销删除 / Undo", visible=False, elem_id="undo-remove")
                removed = gr.State(None)
                preview = gr.Textbox(
                    label="段落预览 / chunk preview",
                    lines=10,
                    interactive=False,
                    elem_id="chunk-preview",
                )
            with gr.Tab("测试问题 / Test a question", id="test"):
                question = gr.Textbox(label="问题 / question", elem_id="test-question")
                ask = gr.Button("检索 / Retrieve", variant="primary", elem_id="test-run")
                hits = gr.Dataframe(
                    headers=HIT_COLUMNS,
                    interactive=False,
                    wrap=True,
                    label="检索结果 / what retrieval returns",
                    elem_id="test-hits",
                )
                why = gr.Markdown(elem_id="test-why")
            with gr.Tab("知识缺口 / Knowledge gaps", id="gaps"):
                build_gaps_tab(services, whoami, page)
            with gr.Tab("评测 / Evaluation", id="eval"):
                build_evaluation_tab(services, whoami, page)
            with gr.Tab("登录失败 / Failed logins", id="logins"):
                failed_logins = gr.Dataframe(
                    headers=["name", "client", "failures", "first", "last"],
                    interactive=False,
                    label="近 7 天登录失败 / failed logins, last 7 days",
                    elem_id="failed-logins",
                )

        status_outputs = [status, documents, picked]
        page.load(console.status, None, status_outputs)
        page.load(lambda: failure_rows(services), None, failed_logins)
        reload_status.click(console.status, None, status_outputs)
        refresh.click(console.refresh, [uploads, folder], [report, refresh_status]).then(
            console.status, None, status_outputs
        )
        picked.change(console.preview, picked, preview)
        remove.click(console.ask_remove, picked, [remove_status, confirm_row])
        cancel.click(lambda: ("", gr.update(visible=False)), None, [remove_status, confirm_row])
        confirm.click(console.remove, picked, [remove_status, confirm_row, undo, removed]).then(
            console.status, None, status_outputs
        )
        undo.click(console.undo, removed, [remove_status, undo, removed]).then(
            console.status, None, status_outputs
        )
        ask.click(console.test_question, question, [hits, why])
        question.submit(console.test_question, question, [hits, why])
    return page
