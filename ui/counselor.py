"""The counselor page: filter transcripts, read one, annotate it, flag it, export the set.

:class:`CounselorReview` holds the handlers as plain methods; :func:`build_counselor_page` lays
out the page. The page is mounted under ``/counselor``, which ``ui/auth.RoleGuard`` keeps to
logged-in counselors and maintainers; the handlers take the annotator's name from the login
(``request.username``), never from a form field.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import gradio as gr

from bot.errors import CareerCoachError, ValidationFailed
from bot.store.models import TranscriptFilter
from ui.downloads import download_html, export_link
from ui.render import conversation_markdown
from ui.services import Services

log = logging.getLogger(__name__)

INTENTS = ["", "greeting", "policy", "planning", "out_of_scope", "distress", "meta"]
COLUMNS = [
    "id",
    "updated",
    "lang",
    "turns",
    "first question",
    "intents",
    "abstained",
    "up",
    "down",
    "flagged",
]
RUBRIC = ["—", "yes", "no"]


def _day(text: str, field: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            f"{field}: '{text}' is not a date like 2026-11-22",
            message_zh=f"{field}：“{text}”不是 2026-11-22 这样的日期",
        ) from None


def _rubric(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _user(request: Any) -> str:
    name = getattr(request, "username", None) if request is not None else None
    if not name:
        raise CareerCoachError("not logged in", message_zh="未登录")
    return str(name)


class CounselorReview:
    """Handlers of the counselor page."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def make_filter(
        self,
        date_from: str,
        date_to: str,
        intent: str | None,
        abstained: bool,
        negative: bool,
        flagged: bool,
        text: str,
    ) -> TranscriptFilter:
        """The filter of the form; unticked boxes mean "any", not "no"."""
        return TranscriptFilter(
            date_from=_day(date_from, "date_from"),
            date_to=_day(date_to, "date_to"),
            intent=intent or None,
            abstained=True if abstained else None,
            negative_feedback=True if negative else None,
            flagged=True if flagged else None,
            text=(text or "").strip() or None,
            limit=200,
        )

    def search(
        self,
        date_from: str,
        date_to: str,
        intent: str | None,
        abstained: bool,
        negative: bool,
        flagged: bool,
        text: str,
    ) -> tuple[list[list[Any]], str]:
        """Rows of the transcript list and a status line."""
        try:
            flt = self.make_filter(date_from, date_to, intent, abstained, negative, flagged, text)
        except CareerCoachError as error:
            return [], "注意 / Note: " + error.for_language("zh")
        rows = [
            [
                s.id,
                f"{s.updated_at:%Y-%m-%d %H:%M}",
                s.lang,
                s.turn_count,
                s.first_question[:60],
                ", ".join(s.intents),
                s.abstained_turns,
                s.positive_feedback,
                s.negative_feedback,
                "yes" if s.flagged else "",
            ]
            for s in self.services.store.list_conversations(flt)
        ]
        return rows, f"{len(rows)} conversation(s) / 共 {len(rows)} 个对话"

    def open(self, conversation_id: float | None) -> tuple[str, Any]:
        """A conversation in full and the choice of its turns for the annotation form."""
        if not conversation_id:
            return "", gr.update(choices=[], value=None)
        try:
            conversation = self.services.store.get_conversation(int(conversation_id))
        except CareerCoachError as error:
            return "注意 / Note: " + error.for_language("zh"), gr.update(choices=[], value=None)
        turns = [
            (f"Turn {turn.position + 1}: {turn.question[:40]}", turn.id)
            for turn in conversation.turns
        ]
        last = turns[-1][1] if turns else None
        return conversation_markdown(conversation), gr.update(choices=turns, value=last)

    @staticmethod
    def pick(rows: Any, event: gr.SelectData) -> float | None:
        """The conversation id of the row clicked in the list."""
        row = event.row_value if event.row_value else None
        return float(row[0]) if row else None

    def annotate(
        self,
        conversation_id: float | None,
        turn_id: int | None,
        correct: str,
        citations_ok: str,
        tone_ok: str,
        note: str,
        request: gr.Request | None = None,
    ) -> tuple[str, Any]:
        """Save the rubric for one turn; returns (status, the conversation re-rendered)."""
        if turn_id is None:
            return "注意 / Note: 请先选择一轮对话 / pick a turn first", gr.update()
        self.services.store.annotate(
            int(turn_id),
            _user(request),
            _rubric(correct),
            _rubric(citations_ok),
            _rubric(tone_ok),
            note.strip(),
        )
        view, _ = self.open(conversation_id)
        return "已保存标注 / annotation saved", view

    def flag(
        self, conversation_id: float | None, reason: str, request: gr.Request | None = None
    ) -> tuple[str, Any]:
        if not conversation_id:
            return "注意 / Note: 请先打开一个对话 / open a conversation first", gr.update()
        self.services.store.flag(int(conversation_id), reason.strip(), _user(request))
        return "已标记 / flagged", self.open(conversation_id)[0]

    def unflag(
        self, conversation_id: float | None, request: gr.Request | None = None
    ) -> tuple[str, Any]:
        if not conversation_id:
            return "注意 / Note: 请先打开一个对话 / open a conversation first", gr.update()
        self.services.store.unflag(int(conversation_id), _user(request))
        return "已取消标记 / unflagged", self.open(conversation_id)[0]

    def export(
        self,
        fmt: str,
        date_from: str,
        date_to: str,
        intent: str | None,
        abstained: bool,
        negative: bool,
        flagged: bool,
        text: str,
    ) -> tuple[Any, str]:
        """A link that streams the filtered set (no paging) to this counselor; no file is
        written (``ui/downloads.py``)."""
        try:
            self.make_filter(date_from, date_to, intent, abstained, negative, flagged, text)
        except CareerCoachError as error:
            return gr.update(visible=False), "注意 / Note: " + error.for_language("zh")
        filters = {
            "date_from": date_from,
            "date_to": date_to,
            "intent": intent,
            "abstained": abstained,
            "negative": negative,
            "flagged": flagged,
            "text": text,
        }
        link = download_html(export_link(fmt, filters), "下载 / Download", "export-link")
        return gr.update(value=link, visible=True), f"export ready ({fmt}) / 导出已就绪"


def build_counselor_page(services: Services) -> gr.Blocks:
    review = CounselorReview(services)
    with gr.Blocks(title="careercoach · 辅导员审阅 / counselor review") as page:
        gr.Markdown("## 对话审阅 / Transcript review\n[退出登录 / sign out](/logout)")
        with gr.Row():
            date_from = gr.Textbox(label="起始日期 / from (YYYY-MM-DD)", elem_id="date-from")
            date_to = gr.Textbox(label="截止日期 / to (YYYY-MM-DD)", elem_id="date-to")
            intent = gr.Dropdown(INTENTS, value="", label="意图 / intent", elem_id="intent")
            text = gr.Textbox(label="文本搜索 / text", elem_id="text-filter")
        with gr.Row():
            abstained = gr.Checkbox(label="仅未作答 / abstained only", elem_id="abstained")
            negative = gr.Checkbox(label="仅差评 / thumbs-down only", elem_id="negative")
            flagged = gr.Checkbox(label="仅已标记 / flagged only", elem_id="flagged")
            search = gr.Button("筛选 / Filter", variant="primary", elem_id="search")
        status = gr.Markdown(elem_id="list-status")
        table = gr.Dataframe(headers=COLUMNS, interactive=False, wrap=True, elem_id="transcripts")
        with gr.Row():
            fmt = gr.Radio(["csv", "jsonl"], value="csv", label="导出格式 / export format")
            export = gr.Button("导出筛选结果 / Export", elem_id="export")
            export_file = gr.Markdown(visible=False, elem_id="export-file")
        with gr.Row():
            conversation_id = gr.Number(
                label="对话编号 / conversation id", precision=0, elem_id="conversation-id"
            )
            open_button = gr.Button("打开 / Open", elem_id="open")
        view = gr.Markdown(elem_id="conversation")
        with gr.Group():
            turn = gr.Dropdown([], label="标注哪一轮 / turn to annotate", elem_id="turn")
            with gr.Row():
                correct = gr.Radio(
                    RUBRIC, value="—", label="回答正确？/ correct?", elem_id="correct"
                )
                citations_ok = gr.Radio(
                    RUBRIC, value="—", label="引用恰当？/ citations right?", elem_id="citations-ok"
                )
                tone_ok = gr.Radio(
                    RUBRIC, value="—", label="语气合适？/ tone right?", elem_id="tone-ok"
                )
            note = gr.Textbox(label="备注 / notes", lines=2, elem_id="note")
            save = gr.Button("保存标注 / Save annotation", variant="primary", elem_id="save")
        with gr.Row():
            reason = gr.Textbox(label="标记原因 / flag reason", elem_id="flag-reason")
            flag = gr.Button("标记 / Flag", elem_id="flag")
            unflag = gr.Button("取消标记 / Unflag", elem_id="unflag")
        action_status = gr.Markdown(elem_id="action-status")

        filters = [date_from, date_to, intent, abstained, negative, flagged, text]
        search.click(review.search, filters, [table, status])
        page.load(review.search, filters, [table, status])
        table.select(review.pick, table, conversation_id).then(
            review.open, conversation_id, [view, turn]
        )
        open_button.click(review.open, conversation_id, [view, turn])
        save.click(
            review.annotate,
            [conversation_id, turn, correct, citations_ok, tone_ok, note],
            [action_status, view],
        )
        flag.click(review.flag, [conversation_id, reason], [action_status, view])
        unflag.click(review.unflag, conversation_id, [action_status, view])
        export.click(review.export, [fmt, *filters], [export_file, status])
    return page
