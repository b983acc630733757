"""The graduate page: conversations, streamed cited answers, sources, feedback, the plan form.

:class:`GraduateChat` holds the handlers as plain methods that return the chat's data
(``ui/chatview.py``), so tests call them without a browser. :func:`build_graduate_page` lays out
the Gradio page: the chat itself is an empty column that ``templates/chat.js`` draws into,
inserting every text with ``textContent`` (nothing a graduate, a document or a model wrote is
ever parsed as HTML); it is loaded as a same-origin script and talks to the JSON routes of
``ui/scripts.py`` (ask, streamed; stop; open, rename, delete, regenerate; ratings and comments,
answered at once so a confirmation appears beside the button). The coaching tabs
(``ui/coaching.py``) are built inside the page's tabs.

Everything is tied to the anonymous session of the ``cc_session`` cookie (``ui/auth.py``): the
history given to the engine and the conversation list are read from the store for that session,
never taken from the browser, so a reload or another tab shows the same conversations and
another browser sees none of them.

Websec's protections hold here too: the message length and the answers running at once are
:class:`ui.limits.AnswerGate`'s (``/cc/chat/submit`` goes through it), errors shown to a
graduate lose server details (``ui/public.py``), a transcript the database cannot store is
logged and the answer shown anyway (``ui/sessions.py``), and a plan from the form is downloaded
from ``/plans/…``, served only to this session (``ui/downloads.py``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import gradio as gr
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from bot.chat.models import Answer
from bot.errors import CareerCoachError, NotFoundError, ValidationFailed
from bot.store.models import Conversation
from ui.auth import graduate_session_id
from ui.chatview import answer_view, chat_view, turn_views
from ui.coaching import build_coaching_tabs
from ui.downloads import PlanShelf, download_html
from ui.limits import AnswerGate
from ui.public import for_graduates
from ui.sanitize import literal, strict
from ui.services import Services
from ui.sessions import client_address, graduate_session, store_exchange
from ui.texts import LANGS, province_choices, t, vocabulary_choices

log = logging.getLogger(__name__)
LANG_COOKIE = "cc_lang"  # set by templates/chat.js when the graduate switches language

View = dict[str, Any]


def _lang(label: str | None) -> str:
    if label in ("zh", "en"):
        return str(label)
    return LANGS.get(label or "", "zh")


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class GraduateChat:
    """Handlers of the graduate page."""

    def __init__(
        self, services: Services, gate: AnswerGate | None = None, plans: PlanShelf | None = None
    ) -> None:
        self.services = services
        self.tz = services.settings.tz
        self.gate = gate or AnswerGate(services.settings)
        self.plans = plans or PlanShelf()

    # --- session and conversations ---------------------------------------------------------
    def session_id(self, request: Any) -> str:
        """The browser's session (the signed ``cc_session`` cookie); a fresh one without it."""
        # The page's load event and a quick first question may both create the same new
        # session; Store.ensure_session tolerates that race.
        return graduate_session(self.services.store, request)

    def plain_note(self, error: CareerCoachError) -> str:
        """An error as the graduate reads it: both languages, no server details (plain text,
        for the page script, which inserts it with ``textContent``)."""
        settings = self.services.settings
        zh = for_graduates(error.message_zh, settings, "zh")
        en = for_graduates(error.message, settings, "en")
        return "注意 / Note: " + (zh if zh == en else f"{zh} / {en}")

    def note(self, error: CareerCoachError) -> str:
        """:meth:`plain_note` made inert for a Gradio Markdown component (the plan form)."""
        return literal(self.plain_note(error))

    def _conversation(self, session_id: str, conversation_id: int | None) -> Conversation | None:
        try:
            return self.services.store.conversation_for_session(session_id, conversation_id)
        except NotFoundError:
            return None

    def view(self, session_id: str, conversation_id: int | None, lang: str) -> View:
        """The chat as the page draws it: this session's conversations and the open one."""
        store = self.services.store
        conversation = self._conversation(session_id, conversation_id)
        if conversation is None and conversation_id is not None:
            conversation = self._conversation(session_id, None)
        return chat_view(
            conversation,
            store.session_conversations(session_id),
            self.tz,
            lang,
            self.services.settings.max_message_chars,
        )

    def restore(self, lang_label: str | None, request: gr.Request | None = None) -> View:
        """After a page (re)load: the session's most recent conversation."""
        session_id = self.session_id(request)
        listed = self.services.store.session_conversations(session_id)
        return self.view(session_id, listed[0].id if listed else None, _lang(lang_label))

    def action(
        self, action: str, conversation_id: int | None, title: str, lang: str, request: Any
    ) -> View:
        store = self.services.store
        session_id = self.session_id(request)
        try:
            if action == "new":
                conversation_id = store.new_conversation(session_id)
            elif action == "rename" and conversation_id is not None:
                store.rename_conversation(session_id, conversation_id, title)
            elif action == "delete" and conversation_id is not None:
                store.delete_conversation(session_id, conversation_id)
                listed = store.session_conversations(session_id)
                # clearing starts afresh: the next question does not carry the old topic
                conversation_id = listed[0].id if listed else store.new_conversation(session_id)
        except CareerCoachError as error:
            view = self.view(session_id, conversation_id, lang)
            view["notice"] = error.for_language(lang)
            return view
        return self.view(session_id, conversation_id, lang)

    # --- asking ------------------------------------------------------------------------------
    def respond(
        self,
        message: str,
        conversation_id: int | None,
        lang: str,
        request: Any = None,
        *,
        regenerate: bool = False,
    ) -> Iterator[View]:
        """Stream one answer: the chat data after each piece, the stored exchange last.

        ``regenerate`` drops the conversation's last exchange and asks its question again.
        A stopped answer is never stored (the route stops iterating this generator).
        """
        store = self.services.store
        session_id = self.session_id(request)
        base = self.view(session_id, conversation_id, lang)
        conversation_id = base["conversation_id"]
        if conversation_id is None:
            conversation_id = store.new_conversation(session_id)
            base = self.view(session_id, conversation_id, lang)
        if regenerate:
            try:
                message = store.delete_last_turn(session_id, conversation_id)
            except NotFoundError as error:
                base["notice"] = error.for_language(lang)
                yield base
                return
            base = self.view(session_id, conversation_id, lang)
        message = (message or "").strip()
        if not message:
            yield base
            return
        try:
            self.gate.check_length(message)
        except CareerCoachError as error:
            base["notice"] = self.plain_note(error)
            yield base
            return
        conversation = self._conversation(session_id, conversation_id)
        history = conversation.history() if conversation else []
        pending: View = {"role": "assistant", "text": "", "citations": [], "warnings": []}
        pending.update(streaming=True, turn_id=None)
        earlier = [*base["messages"], {"role": "user", "text": message}]
        base["busy"] = True

        def snapshot() -> View:  # each yield is its own value (Gradio may send it later)
            return {**base, "messages": [*earlier, dict(pending)]}

        yield snapshot()
        started = time.perf_counter()
        answer: Answer | None = None
        try:
            events = self.gate.run(
                session_id,
                client_address(request),
                lambda: self.services.coach.stream(message, history, lang),
            )
            for event in events:
                if event.answer is not None:
                    answer = event.answer
                    break
                pending["text"] += event.delta
                yield snapshot()
        except CareerCoachError as error:
            pending.update(text="", streaming=False, error=self.plain_note(error))
            base["busy"] = False
            yield snapshot()
            return
        if answer is None:  # an engine that only streamed text; keep what it said
            answer = Answer(answer=pending["text"], lang=lang)  # type: ignore[arg-type]
        settings = self.services.settings
        warnings = [for_graduates(w, settings, answer.lang) for w in answer.warnings]
        answer = answer.model_copy(update={"warnings": warnings})
        latency_ms = int((time.perf_counter() - started) * 1000)
        stored = store_exchange(store, session_id, message, answer, latency_ms, conversation_id)
        if stored is None:  # the database refused it: show the answer all the same
            pending.update(text=answer.answer, streaming=False)
            pending["citations"] = [c.model_dump(mode="json") for c in answer.citations]
            pending["warnings"] = list(answer.warnings)
            base["busy"] = False
            yield snapshot()
            return
        yield self.view(session_id, conversation_id, lang)

    # --- feedback (``server.rate`` of the page script: answered at once) ------------------
    def rate(self, args: Any, request: gr.Request | None = None) -> dict[str, Any]:
        """``[turn_id, rating (1 or -1), comment, lang]`` from the page; a confirmation back."""
        given = list(args) if isinstance(args, list) else [args]
        turn_id, rating, comment, lang = ([*given, None, None, None, None])[:4]
        lang = _lang(lang)
        try:
            value = int(rating) if rating is not None else 0
            self.services.store.record_feedback(
                int(turn_id), self.session_id(request), value, str(comment or "")[:2000]
            )
        except (CareerCoachError, TypeError, ValueError) as error:
            text = error.for_language(lang) if isinstance(error, CareerCoachError) else str(error)
            return {"ok": False, "message": text}
        return {"ok": True, "message": t("commented" if comment else "rated", lang)}

    # --- the plan form -----------------------------------------------------------------------
    def plan(
        self,
        education: str | None,
        major: str,
        graduation_year: str | int | None,
        home_province: str | None,
        target_province: str | None,
        paths: list[str],
        circumstances: list[str],
        describe: str,
        lang_label: str,
        request: gr.Request | None = None,
    ) -> tuple[str, Any]:
        """The plan in Markdown and a link to download it (served to this session only)."""
        lang = _lang(lang_label)
        if self.services.plan is None:
            return t("plan_unavailable", lang), gr.update(visible=False)
        fields = {
            "education": education or None,
            "major": (major or "").strip() or None,
            "graduation_year": _int(graduation_year),
            "home_province": home_province or None,
            "target_province": target_province or None,
            "paths": list(paths or []),
            "circumstances": list(circumstances or []),
            "describe": (describe or "").strip(),
        }
        try:
            markdown, _profile = self.services.plan(fields, lang)
        except CareerCoachError as error:
            return self.note(error), gr.update(visible=False)
        url = self.plans.put(self.session_id(request), markdown)
        link = download_html(url, t("download_plan", lang), "download-plan-link")
        return strict(markdown), gr.update(value=link, visible=True)


def plan_routes(services: Services) -> APIRouter:
    """``GET /plans/{turn_id}.md``: a plan made in chat, only for the session that asked."""
    router = APIRouter()

    @router.get("/plans/{turn_id}.md", include_in_schema=False)
    def plan_file(turn_id: int, request: Request) -> Response:
        session = graduate_session_id(request)  # the id the role guard checked, never raw
        if not session:
            raise HTTPException(404, "no such plan / 没有这份规划")
        try:
            conversations = services.store.session_conversations(session)
            for listed in conversations:
                conversation = services.store.conversation_for_session(session, listed.id)
                for turn in conversation.turns:
                    markdown = (turn.answer.extra or {}).get("plan_markdown")
                    if turn.id == turn_id and isinstance(markdown, str):
                        headers = {
                            "Content-Disposition": f'attachment; filename="plan-{turn_id}.md"',
                            "Cache-Control": "private, no-store",
                        }
                        return Response(markdown, media_type="text/markdown", headers=headers)
        except (NotFoundError, ValidationFailed):
            pass
        raise HTTPException(404, "no such plan / 没有这份规划")

    return router


def _years(today: date) -> list[str]:
    return [str(y) for y in range(today.year - 3, today.year + 6)]


def build_graduate_page(
    services: Services,
    gate: AnswerGate | None = None,
    plans: PlanShelf | None = None,
) -> gr.Blocks:
    chat = GraduateChat(services, gate, plans)
    zh = "zh"
    with gr.Blocks(title="careercoach · 毕业生就业政策助手") as page:
        with gr.Row(equal_height=True, elem_id="top"):
            title = gr.Markdown(f"# {t('title', zh)}", elem_id="title")
            lang = gr.Radio(
                list(LANGS),
                value="中文",
                label=t("language", zh),
                show_label=False,
                elem_id="lang",
                scale=0,
                min_width=200,
                container=False,
            )
        remembered = gr.BrowserState("中文", storage_key="careercoach-lang")
        notice = gr.Markdown(t("notice", zh), elem_id="notice")
        with gr.Tabs():
            with gr.Tab(t("tab_chat", zh), id="chat") as chat_tab:
                # an empty column: /cc/scripts/chat.js draws the chat into it (ui/scripts.py)
                gr.Column(elem_id="chat", elem_classes=["cc-chat"])
            with gr.Tab(t("tab_plan", zh), id="plan") as plan_tab:
                plan_intro = gr.Markdown(t("plan_intro", zh))
                with gr.Row():
                    education = gr.Dropdown(
                        vocabulary_choices("education", zh), label=t("education", zh), value=None
                    )
                    major = gr.Textbox(label=t("major", zh))
                    graduation_year = gr.Dropdown(
                        _years(services.settings.today()),
                        label=t("graduation_year", zh),
                        value=None,
                        elem_id="graduation-year",
                    )
                with gr.Row():
                    home_province = gr.Dropdown(
                        province_choices(zh), label=t("home_province", zh), elem_id="home-province"
                    )
                    target_province = gr.Dropdown(
                        province_choices(zh),
                        label=t("target_province", zh),
                        elem_id="target-province",
                    )
                paths = gr.CheckboxGroup(vocabulary_choices("paths", zh), label=t("paths", zh))
                circumstances = gr.CheckboxGroup(
                    vocabulary_choices("circumstances", zh),
                    label=t("circumstances", zh),
                    elem_id="circumstances",
                )
                describe = gr.Textbox(label=t("describe", zh), lines=2)
                make_plan = gr.Button(t("make_plan", zh), variant="primary", elem_id="make-plan")
                plan_view = gr.Markdown(elem_id="plan")
                download = gr.Markdown(visible=False, elem_id="download-plan")
            coaching_tabs = build_coaching_tabs(services, page, lang)  # 测评/职业/简历/面试
        gr.Markdown(f"[{t('staff_login', zh)}](/login)", elem_id="staff-link")

        make_plan.click(
            chat.plan,
            [
                education,
                major,
                graduation_year,
                home_province,
                target_province,
                paths,
                circumstances,
                describe,
                lang,
            ],
            [plan_view, download],
        )

        def relabel(lang_label: str, request: gr.Request) -> list[Any]:
            code = _lang(lang_label)
            return [
                lang_label,
                f"# {t('title', code)}",
                t("notice", code),
                gr.update(label=t("tab_chat", code)),
                gr.update(label=t("tab_plan", code)),
                t("plan_intro", code),
                gr.update(
                    label=t("education", code), choices=vocabulary_choices("education", code)
                ),
                gr.update(label=t("major", code)),
                gr.update(label=t("graduation_year", code)),
                gr.update(label=t("home_province", code), choices=province_choices(code)),
                gr.update(label=t("target_province", code), choices=province_choices(code)),
                gr.update(label=t("paths", code), choices=vocabulary_choices("paths", code)),
                gr.update(
                    label=t("circumstances", code),
                    choices=vocabulary_choices("circumstances", code),
                ),
                gr.update(label=t("describe", code)),
                t("make_plan", code),
                gr.update(),
            ]

        relabelled = [
            remembered,
            title,
            notice,
            chat_tab,
            plan_tab,
            plan_intro,
            education,
            major,
            graduation_year,
            home_province,
            target_province,
            paths,
            circumstances,
            describe,
            make_plan,
            download,
        ]
        lang.input(relabel, lang, relabelled, show_progress="hidden")

        def on_load(saved: str | None, request: gr.Request) -> list[Any]:
            # the chat script keeps the choice in a cookie too (the browser state alone did
            # not survive a reload behind the security headers): the cookie wins
            chosen = {code: name for name, code in LANGS.items()}.get(
                request.cookies.get(LANG_COOKIE, "")
            )
            label = chosen or (saved if saved in LANGS else "中文")
            return [gr.update(value=label), *relabel(label, request)]

        page.load(on_load, remembered, [lang, *relabelled], show_progress="hidden")
        coaching_tabs.wire(lang)
    return page


__all__ = ["GraduateChat", "answer_view", "build_graduate_page", "plan_routes", "turn_views"]
