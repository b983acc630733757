"""The counselor's verified answers: write or approve an answer to a group of questions, with
citations to knowledge-base passages and an expiry; see what is served, and what was withdrawn
automatically (a cited document changed, expired or was removed) and why.

An answer can start from a reviewed turn (its question, its answer and its citations), or from
scratch with passages found by searching the knowledge base. The matcher that serves them and
withdraws them is ``bot.verified``; this tab only calls it.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import gradio as gr

from bot.errors import CareerCoachError, ValidationFailed
from bot.store.models import VerifiedAnswer, VerifiedCitation
from ui.services import Services
from ui.timefmt import local

log = logging.getLogger(__name__)

COLUMNS = [
    "id",
    "status",
    "questions",
    "answer",
    "cites",
    "served",
    "expires",
    "approved",
    "withdrawn",
]


def _citation_of_hit(hit: Any) -> VerifiedCitation:
    meta = getattr(hit, "meta", None)
    day = getattr(meta, "publish_date", None)
    return VerifiedCitation(
        doc_id=hit.doc_id,
        chunk_id=hit.chunk_id,
        title=hit.title,
        section=hit.section,
        page=hit.page,
        date=day.isoformat() if day else "",
        text=hit.text,
    )


class VerifiedEditor:
    def __init__(self, services: Services, whoami: Any) -> None:
        self.services = services
        self.whoami = whoami
        self.tz = services.settings.tz

    def rows(self) -> tuple[list[list[Any]], str]:
        """Every verified answer, and the withdrawals no counselor has seen (now seen)."""
        store = self.services.store.verified
        if self.services.verified is not None:
            self.services.verified.sweep()
        unseen = store.unseen_withdrawals()
        notice = "\n".join(
            f"审核回答 #{a.id} 已自动撤下 / verified answer #{a.id} was withdrawn: "
            f"{a.withdrawn_reason}"
            for a in unseen
        )
        store.acknowledge([a.id for a in unseen])
        return [self.row(a) for a in store.find()], notice

    def row(self, a: VerifiedAnswer) -> list[Any]:
        return [
            a.id,
            "在用 active" if a.status == "active" else "已撤下 withdrawn",
            " | ".join(a.questions),
            a.answer[:120],
            len(a.citations),
            a.served,
            a.expires_on.isoformat() if a.expires_on else "—",
            f"{a.approved_by} {local(a.approved_at, self.tz)}",
            f"{local(a.withdrawn_at, self.tz)} {a.withdrawn_reason}" if a.withdrawn_at else "",
        ]

    def search(self, query: str) -> Any:
        """Passages for the answer's citations (choice value: chunk id)."""
        query = (query or "").strip()
        if not query:
            return gr.update(choices=[], value=[])
        hits = self.services.kb.search(query, 8)
        choices = [(f"《{h.title}》 {h.section} · {h.text[:90]}", h.chunk_id) for h in hits]
        return gr.update(choices=choices, value=[])

    def from_turn(self, turn_id: float | None) -> tuple[Any, Any, Any, str]:
        """Start from a reviewed turn: (questions, answer, citation choices, status)."""
        if not turn_id:
            return gr.update(), gr.update(), gr.update(), "请填写轮次编号 / give a turn id"
        turn = self.services.store.find_turn(int(turn_id))
        if turn is None:
            return (
                gr.update(),
                gr.update(),
                gr.update(),
                f"没有第 {int(turn_id)} 轮 / no turn {int(turn_id)}",
            )
        choices = [
            (f"《{c.title}》 {c.section} · {c.text[:90]}", c.chunk_id)
            for c in turn.answer.citations
            if c.chunk_id
        ]
        answer = turn.answer.answer
        return (
            turn.question,
            answer,
            gr.update(choices=choices, value=[v for _, v in choices]),
            f"已载入第 {int(turn_id)} 轮，请修改后发布 / "
            f"turn {int(turn_id)} loaded: edit, then publish",
        )

    def publish(
        self,
        questions: str,
        answer: str,
        chunks: list[str],
        expires: str,
        lang: str,
        request: gr.Request,
    ) -> tuple[str, Any, str]:
        user = self.whoami(request)
        if not user:
            return "未登录 / not logged in", gr.update(), ""
        try:
            expires_on = date.fromisoformat(expires.strip()) if (expires or "").strip() else None
        except ValueError:
            return (
                f"有效期 / expiry: “{expires}” 不是 2027-06-30 这样的日期 / "
                "not a date like 2027-06-30",
                gr.update(),
                "",
            )
        citations = []
        for chunk_id in chunks or []:
            hit = self.services.kb.chunk(chunk_id)
            if hit is None:
                return (
                    f"段落 {chunk_id} 已不在知识库中 / passage no longer in the knowledge base",
                    gr.update(),
                    "",
                )
            citations.append(_citation_of_hit(hit))
        try:
            made = self.services.store.verified.add(
                [q for q in (questions or "").splitlines()],
                answer or "",
                citations,
                user,
                lang="en" if lang == "English" else "zh",
                expires_on=expires_on,
            )
        except ValidationFailed as error:
            return "注意 / Note: " + error.for_language("zh"), gr.update(), ""
        rows, notice = self.rows()
        return f"已发布审核回答 #{made.id} / verified answer #{made.id} published", rows, notice

    def withdraw(self, answer_id: float | None, request: gr.Request) -> tuple[str, Any, str]:
        user = self.whoami(request)
        if not user or not answer_id:
            return "请填写编号 / give an id", gr.update(), ""
        try:
            self.services.store.verified.withdraw(
                int(answer_id), f"withdrawn by {user} / {user} 撤下", user
            )
        except CareerCoachError as error:
            return "注意 / Note: " + error.for_language("zh"), gr.update(), ""
        rows, notice = self.rows()
        return f"已撤下 #{int(answer_id)} / withdrawn", rows, notice


def build_verified_tab(services: Services, whoami: Any, page: gr.Blocks) -> None:
    editor = VerifiedEditor(services, whoami)
    notice = gr.Textbox(
        label="自动撤下的通知 / automatic withdrawals", interactive=False, elem_id="verified-notice"
    )
    table = gr.Dataframe(
        headers=COLUMNS,
        interactive=False,
        wrap=True,
        label="审核回答 / verified answers",
        elem_id="verified-list",
    )
    with gr.Row():
        turn_id = gr.Number(
            label="从轮次导入（轮次编号）/ start from turn #", precision=0, elem_id="verified-turn"
        )
        load_turn = gr.Button("导入 / Load", elem_id="verified-load")
    questions = gr.Textbox(
        label="问题（每行一个）/ questions, one a line", lines=3, elem_id="verified-questions"
    )
    answer = gr.Textbox(
        label="审核后的回答（用 [1] [2] 标注引用）/ the answer, with [n] markers",
        lines=5,
        elem_id="verified-answer",
    )
    with gr.Row():
        query = gr.Textbox(
            label="查找要引用的段落 / find passages to cite", elem_id="verified-search"
        )
        find = gr.Button("查找 / Search", elem_id="verified-find")
    chunks = gr.CheckboxGroup(
        [],
        label="引用的段落（按顺序为 [1] [2] …）/ cited passages, in [n] order",
        elem_id="verified-chunks",
    )
    with gr.Row():
        expires = gr.Textbox(
            label="有效期至（可选，YYYY-MM-DD）/ expires on (optional)", elem_id="verified-expires"
        )
        lang = gr.Radio(["中文", "English"], value="中文", label="语言 / language")
        publish = gr.Button(
            "审核并发布 / Approve and publish", variant="primary", elem_id="verified-publish"
        )
    status = gr.Markdown(elem_id="verified-status")
    with gr.Row():
        withdraw_id = gr.Number(
            label="撤下编号 / withdraw #", precision=0, elem_id="verified-withdraw-id"
        )
        withdraw = gr.Button("撤下 / Withdraw", variant="stop", elem_id="verified-withdraw")
    page.load(editor.rows, None, [table, notice])
    find.click(editor.search, query, chunks)
    load_turn.click(editor.from_turn, turn_id, [questions, answer, chunks, status])
    publish.click(
        editor.publish, [questions, answer, chunks, expires, lang], [status, table, notice]
    )
    withdraw.click(editor.withdraw, withdraw_id, [status, table, notice])
