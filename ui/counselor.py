"""The counselor page: the review queue, the dashboard, verified answers and the export.

:class:`CounselorReview` holds the queue's handlers as plain methods returning JSON-able data;
``templates/review.js`` draws the queue (list and transcript side by side, rubric per turn
inline, keyboard shortcuts) and calls them through the routes of ``ui/scripts.py``. The dashboard
(``ui/dashboard.py``) and the verified answers (``ui/verified.py``) are tabs of their own. The
page is mounted under ``/counselor``, which ``ui/auth.RoleGuard`` keeps to logged-in counselors
and maintainers; the reviewer's name always comes from the login (``whoami``), never the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

import gradio as gr

from bot.errors import CareerCoachError, ValidationFailed
from bot.store.models import Conversation, ConversationSummary, StoredTurn, TranscriptFilter
from ui.auth import staff_name
from ui.dashboard import build_dashboard_tab
from ui.downloads import download_html, export_link
from ui.render import citation_text
from ui.services import Services
from ui.timefmt import local, zone_label
from ui.verified import build_verified_tab

log = logging.getLogger(__name__)

PAGE_SIZE = 50
Whoami = Callable[[Any], str | None]


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


def call_args(args: Any, count: int) -> list[Any]:
    """The arguments of a server function call from the page script: Gradio passes a single
    argument as itself and several as a list; missing ones are None."""
    given = list(args) if isinstance(args, list) else [args]
    return (given + [None] * count)[:count]


def _yes_no(value: bool | None) -> str:
    return {True: "是 yes", False: "否 no", None: "—"}[value]


class CounselorReview:
    """Handlers of the review queue."""

    def __init__(self, services: Services, whoami: Whoami = staff_name) -> None:
        self.services = services
        self.whoami = whoami  # the logged-in reviewer's name (the role guard's staff login)
        self.tz = services.settings.tz

    def _user(self, request: Any) -> str:
        name = self.whoami(request)
        if not name:
            raise CareerCoachError("not logged in", message_zh="未登录")
        return name

    def make_filter(self, query: dict[str, Any]) -> TranscriptFilter:
        """The queue's filter: unticked boxes mean "any", not "no"; the queue order always."""
        return TranscriptFilter(
            date_from=_day(str(query.get("date_from") or ""), "date_from"),
            date_to=_day(str(query.get("date_to") or ""), "date_to"),
            abstained=True if query.get("abstained") else None,
            negative_feedback=True if query.get("negative") else None,
            flagged=True if query.get("flagged") else None,
            reviewed=False if query.get("unreviewed") else None,
            text=str(query.get("text") or "").strip() or None,
            order="queue",
            limit=PAGE_SIZE,
            offset=max(0, int(query.get("offset") or 0)),
        )

    def row(self, s: ConversationSummary) -> dict[str, Any]:
        reviewed = ""
        if s.reviewed_by and s.reviewed_at and s.reviewed_at >= s.updated_at:
            reviewed = f"{s.reviewed_by} {local(s.reviewed_at, self.tz, '%m-%d %H:%M')}"
        return {
            "id": s.id,
            "title": (s.title or s.first_question)[:60],
            "updated": local(s.updated_at, self.tz, "%m-%d %H:%M"),
            "turns": s.turn_count,
            "distress": s.distress_waiting,
            "negative": s.negative_feedback,
            "abstained": s.abstained_turns,
            "flagged": s.flagged,
            "reviewed": reviewed,
        }

    def queue(self, query: dict[str, Any] | None) -> dict[str, Any]:
        """One page of the queue: unreviewed distress flags first, then the unreviewed."""
        store = self.services.store
        try:
            flt = self.make_filter(dict(query or {}))
        except CareerCoachError as error:
            return {"error": "注意 / Note: " + error.for_language("zh"), "rows": []}
        every = flt.model_copy(update={"limit": None, "offset": 0})
        unreviewed = every.model_copy(update={"reviewed": False})
        withdrawn = [
            f"审核回答 #{a.id} 已自动撤下 / verified answer #{a.id} withdrawn: {a.withdrawn_reason}"
            for a in store.verified.unseen_withdrawals()
        ]
        return {
            "rows": [self.row(s) for s in store.list_conversations(flt)],
            "total": store.count_conversations(every),
            "unreviewed": store.count_conversations(unreviewed),
            "distress": store.unreviewed_distress_count(),
            "offset": flt.offset,
            "limit": PAGE_SIZE,
            "zone": f"时间为 / times in {zone_label(self.tz, 'zh')}",
            "withdrawn": withdrawn,
        }

    def turn(self, turn: StoredTurn) -> dict[str, Any]:
        answer = turn.answer
        facts = [
            f"intent {answer.intent}",
            f"mode {answer.mode}",
            f"{turn.latency_ms} ms",
            "未作答 abstained" if answer.abstained else "已作答 answered",
        ]
        if answer.flagged:
            facts.append("已标记 flagged")
        if isinstance((answer.extra or {}).get("verified"), dict):
            facts.append("审核回答 verified answer")
        feedback = ""
        if turn.feedback is not None:
            thumb = "👍" if turn.feedback.rating > 0 else "👎"
            feedback = f"{thumb} {turn.feedback.comment}".strip()
        return {
            "id": turn.id,
            "position": turn.position + 1,
            "time": local(turn.created_at, self.tz),
            "question": turn.question,
            "answer": answer.answer,
            "facts": " · ".join(facts),
            "warnings": list(answer.warnings),
            "sources": [
                f"{citation_text(c, 'zh')} (score {c.score:.2f}): {c.text[:160]}"
                for c in answer.citations
            ],
            "feedback": feedback,
            "annotations": [
                f"{a.by_user} · {local(a.created_at, self.tz)}: 正确 correct {_yes_no(a.correct)}"
                f" · 引用 citations {_yes_no(a.citations_ok)} · 语气 tone {_yes_no(a.tone_ok)}"
                + (f" · {a.note}" if a.note else "")
                for a in turn.annotations
            ],
        }

    def transcript(self, conversation_id: Any) -> dict[str, Any]:
        try:
            conversation = self.services.store.get_conversation(int(conversation_id))
        except (CareerCoachError, TypeError, ValueError) as error:
            text = error.for_language("zh") if isinstance(error, CareerCoachError) else str(error)
            return {"error": "注意 / Note: " + text}
        return self.detail(conversation)

    def detail(self, conversation: Conversation) -> dict[str, Any]:
        reviewed = "尚未审阅 / not reviewed yet"
        if conversation.reviewed_by and conversation.reviewed_at:
            when = local(conversation.reviewed_at, self.tz)
            fresh = conversation.reviewed_at >= conversation.updated_at
            reviewed = f"审阅人 / reviewed by {conversation.reviewed_by} · {when}" + (
                "" if fresh else " (之后有新消息 / new messages since)"
            )
        summary = (
            f"开始于 / started {local(conversation.started_at, self.tz)} · "
            f"{len(conversation.turns)} 轮 turns · {conversation.lang}"
        )
        if conversation.flagged:
            summary += f" · 已标记 / flagged: {conversation.flag_reason or '—'}"
        return {
            "id": conversation.id,
            "summary": summary,
            "reviewed": reviewed,
            "flagged": conversation.flagged,
            "turns": [self.turn(t) for t in conversation.turns],
        }

    def review(self, conversation_id: Any, rubrics: Any, request: Any) -> dict[str, Any]:
        """Save the rubric of every turn given one, then mark the conversation reviewed."""
        store = self.services.store
        try:
            user = self._user(request)
            conversation = store.get_conversation(int(conversation_id))
            own = {t.id for t in conversation.turns}
            saved = 0
            for key, marks in dict(rubrics or {}).items():
                turn_id = int(key)
                marks = dict(marks or {})
                values = [marks.get(k) for k in ("correct", "citations_ok", "tone_ok")]
                note = str(marks.get("note") or "").strip()
                if turn_id not in own or (all(v is None for v in values) and not note):
                    continue
                correct, citations_ok, tone_ok = (
                    v if isinstance(v, bool) else None for v in values
                )
                store.annotate(turn_id, user, correct, citations_ok, tone_ok, note[:2000])
                saved += 1
            store.mark_reviewed(conversation.id, user)
        except (CareerCoachError, TypeError, ValueError) as error:
            text = error.for_language("zh") if isinstance(error, CareerCoachError) else str(error)
            return {"ok": False, "message": "注意 / Note: " + text}
        return {
            "ok": True,
            "message": f"#{conversation.id} 已审阅 / reviewed"
            + (f"，保存 {saved} 轮评分 / {saved} rubric(s) saved" if saved else ""),
        }

    def flag(self, conversation_id: Any, on: Any, reason: Any, request: Any) -> dict[str, Any]:
        store = self.services.store
        try:
            user = self._user(request)
            if on:
                store.flag(int(conversation_id), str(reason or "").strip()[:500], user)
            else:
                store.unflag(int(conversation_id), user)
        except (CareerCoachError, TypeError, ValueError) as error:
            text = error.for_language("zh") if isinstance(error, CareerCoachError) else str(error)
            return {"ok": False, "message": "注意 / Note: " + text}
        return {"ok": True, "message": "已标记 / flagged" if on else "已取消标记 / unflagged"}

    # --- export (the filtered set, no paging) ---------------------------------------------
    def export(self, fmt: str, date_from: str, date_to: str, text: str) -> tuple[Any, str]:
        """A link that streams the filtered set to this counselor; no file is written
        (``ui/downloads.py``)."""
        filters = {"date_from": date_from, "date_to": date_to, "text": text}
        try:
            self.make_filter(filters)
        except CareerCoachError as error:
            return gr.update(visible=False), "注意 / Note: " + error.for_language("zh")
        link = download_html(export_link(fmt, filters), "下载 / Download", "export-link")
        return gr.update(value=link, visible=True), f"export ready ({fmt}) / 导出已就绪"


def queue_functions(review: CounselorReview) -> dict[str, Callable[[Any, Any], dict[str, Any]]]:
    """The review queue's server functions (``server.<name>(...)`` in ``templates/review.js``,
    routed by ``ui/scripts.review_routes``), each ``f(args, request)``."""

    def queue(args: Any, request: Any) -> dict[str, Any]:
        return review.queue(call_args(args, 1)[0])

    def transcript(args: Any, request: Any) -> dict[str, Any]:
        return review.transcript(call_args(args, 1)[0])

    def review_and_next(args: Any, request: Any) -> dict[str, Any]:
        conversation_id, rubrics = call_args(args, 2)
        return review.review(conversation_id, rubrics, request)

    def flag(args: Any, request: Any) -> dict[str, Any]:
        conversation_id, on, reason = call_args(args, 3)
        return review.flag(conversation_id, on, reason, request)

    return {"queue": queue, "transcript": transcript, "review": review_and_next, "flag": flag}


def build_counselor_page(services: Services, whoami: Whoami = staff_name) -> gr.Blocks:
    review = CounselorReview(services, whoami)
    with gr.Blocks(title="careercoach · 辅导员 / counselor") as page:
        gr.Markdown("# 辅导员工作台 / Counselor desk", elem_id="title")
        gr.Markdown("[退出登录 / sign out](/logout)", elem_id="staff-link")
        with gr.Tabs():
            with gr.Tab("审阅队列 / Review queue", id="queue"):
                # an empty column: /cc/scripts/review.js draws the queue into it (ui/scripts.py)
                gr.Column(elem_id="review", elem_classes=["cc-review"])
            with gr.Tab("仪表盘 / Dashboard", id="dashboard"):
                build_dashboard_tab(services, page)
            with gr.Tab("审核回答 / Verified answers", id="verified"):
                build_verified_tab(services, whoami, page)
            with gr.Tab("导出 / Export", id="export"):
                with gr.Row():
                    date_from = gr.Textbox(label="起始日期 / from (YYYY-MM-DD)", elem_id="ex-from")
                    date_to = gr.Textbox(label="截止日期 / to (YYYY-MM-DD)", elem_id="ex-to")
                    text = gr.Textbox(label="文本 / text", elem_id="ex-text")
                    fmt = gr.Radio(["csv", "jsonl"], value="csv", label="格式 / format")
                export = gr.Button("导出 / Export", variant="primary", elem_id="export")
                export_file = gr.Markdown(visible=False, elem_id="export-file")
                export_status = gr.Markdown(elem_id="export-status")
                export.click(
                    review.export, [fmt, date_from, date_to, text], [export_file, export_status]
                )
    return page
