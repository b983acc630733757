"""The graduate page: streamed cited answers, a sources panel, feedback, and the planning form.

:class:`GraduateChat` holds the handlers as plain methods (tests call them without a browser);
:func:`build_graduate_page` lays out the Gradio page and wires the events to them. The
conversation belongs to the anonymous session of the ``cc_session`` cookie (see ``ui/auth.py``):
the history given to the engine is read back from the store for that session, never taken from
the browser, and the page restores it on load, so a reload keeps the conversation.

Everything shown is inert (``ui/render.py``, ``ui/sanitize.py``): the graduate's own message
literally, the streamed draft and the answer as strict Markdown — the stream shows the same
sanitised text as the final answer. Length, concurrency and time limits are ``ui/limits.py``'s;
a transcript the database cannot store is logged and the answer shown anyway
(``ui/sessions.py``). A plan is downloaded from ``/plans/…``, served only to this session
(``ui/downloads.py``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from bot.chat.models import Answer, Citation
from bot.errors import CareerCoachError, NotFoundError
from bot.store.models import Conversation
from ui.coaching import build_coaching_tabs
from ui.downloads import PlanShelf, download_html
from ui.limits import AnswerGate
from ui.public import for_graduates
from ui.render import answer_markdown, citation_detail, citation_text
from ui.sanitize import literal, strict
from ui.services import Services
from ui.sessions import client_address, graduate_session, store_exchange
from ui.texts import EXAMPLES, LANGS, t, vocabulary_choices

log = logging.getLogger(__name__)

Messages = list[dict[str, Any]]
TurnIds = dict[str, int]  # chatbot message index -> stored turn id


class GraduateChat:
    """Handlers of the graduate page."""

    def __init__(
        self, services: Services, gate: AnswerGate | None = None, plans: PlanShelf | None = None
    ) -> None:
        self.services = services
        self.gate = gate or AnswerGate(services.settings)
        self.plans = plans or PlanShelf()

    # --- session -------------------------------------------------------------------------
    def session_id(self, request: Any) -> str:
        """The browser's session (the signed ``cc_session`` cookie); a fresh one without it."""
        # The page's load event and a quick first question may both create the same new
        # session; Store.ensure_session tolerates that race.
        return graduate_session(self.services.store, request)

    def note(self, error: CareerCoachError) -> str:
        """An error as the graduate reads it: both languages, no server details, inert."""
        settings = self.services.settings
        zh = for_graduates(error.message_zh, settings, "zh")
        en = for_graduates(error.message, settings, "en")
        return "注意 / Note: " + literal(zh if zh == en else f"{zh} / {en}")

    def new_chat(
        self, request: gr.Request | None = None
    ) -> tuple[Messages, TurnIds, list[Any], Any, str]:
        """Start a new conversation in the same session; the old one stays for counselors."""
        self.services.store.new_conversation(self.session_id(request))
        return [], {}, [], gr.update(choices=[], value=None), ""

    def _conversation(self, session_id: str) -> Conversation | None:
        try:
            return self.services.store.conversation_for_session(session_id)
        except NotFoundError:
            return None

    def restore(self, request: gr.Request | None = None) -> tuple[Messages, TurnIds]:
        """The session's earlier conversation as chat messages, after a page (re)load."""
        conversation = self._conversation(self.session_id(request))
        messages: Messages = []
        turn_ids: TurnIds = {}
        for turn in conversation.turns if conversation else []:
            messages.append({"role": "user", "content": literal(turn.question)})
            turn_ids[str(len(messages))] = turn.id
            messages.append(
                {"role": "assistant", "content": answer_markdown(turn.answer, turn.answer.lang)}
            )
        return messages, turn_ids

    # --- chat ----------------------------------------------------------------------------
    def respond(
        self,
        message: str,
        messages: Messages | None,
        turn_ids: TurnIds | None,
        request: gr.Request | None = None,
    ) -> Iterator[tuple[Messages, TurnIds, list[dict[str, Any]], Any, str, str]]:
        """Stream one answer; yields (messages, turn ids, citations, sources, passage, box)."""
        messages = list(messages or [])
        turn_ids = dict(turn_ids or {})
        message = (message or "").strip()
        if not message:
            yield messages, turn_ids, [], gr.update(), "", ""
            return
        try:
            self.gate.check_length(message)
        except CareerCoachError as error:  # keep the text in the box so it can be shortened
            messages.append({"role": "assistant", "content": self.note(error)})
            yield messages, turn_ids, [], gr.update(), "", message
            return
        session_id = self.session_id(request)
        conversation = self._conversation(session_id)
        history = conversation.history() if conversation else []
        messages.append({"role": "user", "content": literal(message)})
        messages.append({"role": "assistant", "content": "…"})
        yield list(messages), turn_ids, [], gr.update(choices=[], value=None), "", ""
        started = time.perf_counter()
        text = ""
        answer: Answer | None = None
        try:
            events = self.gate.run(
                session_id,
                client_address(request),
                lambda: self.services.coach.stream(message, history, None),
            )
            for event in events:
                if event.answer is not None:
                    answer = event.answer
                    break
                text += event.delta
                messages[-1] = {"role": "assistant", "content": strict(text)}
                yield list(messages), turn_ids, [], gr.update(), "", ""
        except CareerCoachError as error:
            messages[-1] = {"role": "assistant", "content": self.note(error)}
            yield messages, turn_ids, [], gr.update(), "", ""
            return
        if answer is None:  # an engine that only streamed text; keep what it said
            answer = Answer(answer=text)
        answer = answer.model_copy(
            update={
                "warnings": [
                    for_graduates(w, self.services.settings, answer.lang) for w in answer.warnings
                ]
            }
        )
        latency_ms = int((time.perf_counter() - started) * 1000)
        turn_id = store_exchange(self.services.store, session_id, message, answer, latency_ms)
        if turn_id is not None:
            turn_ids[str(len(messages) - 1)] = turn_id
        messages[-1] = {"role": "assistant", "content": answer_markdown(answer, answer.lang)}
        cites = [c.model_dump() for c in answer.citations]
        radio = gr.update(choices=self.source_choices(cites, answer.lang), value=None)
        yield messages, turn_ids, cites, radio, "", ""

    @staticmethod
    def source_choices(cites: list[dict[str, Any]], lang: str) -> list[tuple[str, str]]:
        return [(citation_text(Citation(**c), lang), str(c["n"])) for c in cites]

    @staticmethod
    def show_source(choice: str | None, cites: list[dict[str, Any]], lang_label: str) -> str:
        """The passage of the source picked in the sources panel."""
        lang = LANGS.get(lang_label, "zh")
        for cite in cites or []:
            if str(cite["n"]) == str(choice):
                return citation_detail(Citation(**cite), lang)
        return ""

    # --- feedback ------------------------------------------------------------------------
    def rate(
        self,
        index: int,
        liked: bool | str,
        turn_ids: TurnIds,
        lang_label: str,
        request: gr.Request | None = None,
    ) -> tuple[str, int | None]:
        """👍/👎 on the chat message at ``index``; returns (status text, rated turn id)."""
        lang = LANGS.get(lang_label, "zh")
        turn_id = (turn_ids or {}).get(str(index))
        if turn_id is None:
            return "", None
        rating = 1 if liked is True or liked == "Like" else -1
        self.services.store.record_feedback(turn_id, self.session_id(request), rating, "")
        return t("thanks", lang), turn_id

    def comment(
        self,
        text: str,
        rated: int | None,
        ratings: dict[str, int] | None,
        lang_label: str,
        request: gr.Request | None = None,
    ) -> tuple[str, str]:
        """Attach a comment to the answer rated last; returns (status, cleared comment box)."""
        lang = LANGS.get(lang_label, "zh")
        if rated is None or not text.strip():
            return t("rate_first", lang) if rated is None else "", text
        rating = (ratings or {}).get(str(rated), 1)
        self.services.store.record_feedback(rated, self.session_id(request), rating, text.strip())
        return t("thanks", lang), ""

    # --- planning ------------------------------------------------------------------------
    def plan(
        self,
        education: str | None,
        major: str,
        graduation_year: float | None,
        home_province: str,
        target_province: str,
        paths: list[str],
        circumstances: list[str],
        describe: str,
        lang_label: str,
        request: gr.Request | None = None,
    ) -> tuple[str, Any]:
        """The plan in Markdown and a link to download it (served to this session only)."""
        lang = LANGS.get(lang_label, "zh")
        if self.services.plan is None:
            return t("plan_unavailable", lang), gr.update(visible=False)
        fields = {
            "education": education or None,
            "major": major.strip() or None,
            "graduation_year": int(graduation_year) if graduation_year else None,
            "home_province": home_province.strip() or None,
            "target_province": target_province.strip() or None,
            "paths": list(paths or []),
            "circumstances": list(circumstances or []),
            "describe": describe.strip(),
        }
        try:
            markdown, _profile = self.services.plan(fields, lang)
        except CareerCoachError as error:
            return self.note(error), gr.update(visible=False)
        url = self.plans.put(self.session_id(request), markdown)
        link = download_html(url, t("download_plan", lang), "download-plan-link")
        return strict(markdown), gr.update(value=link, visible=True)


def build_graduate_page(
    services: Services, gate: AnswerGate | None = None, plans: PlanShelf | None = None
) -> gr.Blocks:
    chat = GraduateChat(services, gate, plans)
    zh = "zh"
    with gr.Blocks(title="careercoach · 毕业生就业政策助手") as page:
        with gr.Row(equal_height=True):
            title = gr.Markdown(f"## {t('title', zh)}", elem_id="title")
            lang = gr.Radio(
                list(LANGS),
                value="中文",
                show_label=False,
                elem_id="lang",
                scale=0,
                min_width=200,
                container=False,
            )
        notice = gr.Markdown(t("notice", zh), elem_id="notice")
        turn_ids = gr.State({})
        cites = gr.State([])
        rated = gr.State(None)
        ratings = gr.State({})
        with gr.Tabs():
            with gr.Tab(t("tab_chat", zh), id="chat") as chat_tab, gr.Row():
                with gr.Column(scale=3, min_width=300):
                    chatbot = gr.Chatbot(
                        elem_id="chatbot", height=460, show_label=False, layout="bubble"
                    )
                    with gr.Row():
                        box = gr.Textbox(
                            placeholder=t("placeholder", zh),
                            show_label=False,
                            scale=5,
                            elem_id="question",
                        )
                        send = gr.Button(
                            t("send", zh), variant="primary", scale=1, min_width=80, elem_id="send"
                        )
                    examples_head = gr.Markdown(t("examples", zh))
                    with gr.Row():
                        example_buttons = [
                            gr.Button(q, size="sm", elem_classes="example") for q in EXAMPLES[zh]
                        ]
                    new_chat = gr.Button(t("new_chat", zh), size="sm", elem_id="new-chat")
                    with gr.Row():
                        comment_box = gr.Textbox(
                            label=t("feedback_comment", zh), scale=4, elem_id="comment"
                        )
                        comment_send = gr.Button(
                            t("send_comment", zh), scale=1, min_width=80, elem_id="send-comment"
                        )
                    status = gr.Markdown(elem_id="feedback-status")
                with gr.Column(scale=2, min_width=260):
                    sources = gr.Radio([], label=t("sources", zh), elem_id="sources")
                    passage = gr.Markdown(elem_id="passage")
            with gr.Tab(t("tab_plan", zh), id="plan") as plan_tab:
                plan_intro = gr.Markdown(t("plan_intro", zh))
                with gr.Row():
                    education = gr.Dropdown(
                        vocabulary_choices("education", zh), label=t("education", zh), value=None
                    )
                    major = gr.Textbox(label=t("major", zh))
                    graduation_year = gr.Number(
                        label=t("graduation_year", zh), precision=0, elem_id="graduation-year"
                    )
                with gr.Row():
                    home_province = gr.Textbox(label=t("home_province", zh))
                    target_province = gr.Textbox(label=t("target_province", zh))
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

        outputs = [chatbot, turn_ids, cites, sources, passage, box]
        send.click(chat.respond, [box, chatbot, turn_ids], outputs, concurrency_limit=8)
        box.submit(chat.respond, [box, chatbot, turn_ids], outputs, concurrency_limit=8)
        for button in example_buttons:
            button.click(lambda q: q, button, box).then(
                chat.respond, [box, chatbot, turn_ids], outputs, concurrency_limit=8
            )
        new_chat.click(chat.new_chat, None, [chatbot, turn_ids, cites, sources, passage])
        sources.change(chat.show_source, [sources, cites, lang], passage)

        def on_like(
            data: gr.LikeData,
            ids: TurnIds,
            lang_label: str,
            given: dict[str, int],
            request: gr.Request,
        ) -> tuple[str, int | None, dict[str, int]]:
            index = data.index if isinstance(data.index, int) else data.index[0]
            text, turn_id = chat.rate(index, data.liked, ids, lang_label, request)
            if turn_id is not None:
                given = {**given, str(turn_id): 1 if data.liked in (True, "Like") else -1}
            return text, turn_id, given

        chatbot.like(on_like, [turn_ids, lang, ratings], [status, rated, ratings])
        comment_send.click(chat.comment, [comment_box, rated, ratings, lang], [status, comment_box])
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

        def relabel(lang_label: str) -> list[Any]:
            code = LANGS.get(lang_label, "zh")
            return [
                f"## {t('title', code)}",
                t("notice", code),
                gr.update(label=t("tab_chat", code)),
                gr.update(label=t("tab_plan", code)),
                gr.update(placeholder=t("placeholder", code)),
                t("send", code),
                t("examples", code),
                *EXAMPLES[code],
                t("new_chat", code),
                gr.update(label=t("feedback_comment", code)),
                t("send_comment", code),
                gr.update(label=t("sources", code)),
                t("plan_intro", code),
                gr.update(
                    label=t("education", code), choices=vocabulary_choices("education", code)
                ),
                gr.update(label=t("major", code)),
                gr.update(label=t("graduation_year", code)),
                gr.update(label=t("home_province", code)),
                gr.update(label=t("target_province", code)),
                gr.update(label=t("paths", code), choices=vocabulary_choices("paths", code)),
                gr.update(
                    label=t("circumstances", code),
                    choices=vocabulary_choices("circumstances", code),
                ),
                gr.update(label=t("describe", code)),
                t("make_plan", code),
                gr.update(),
            ]

        lang.change(
            relabel,
            lang,
            [
                title,
                notice,
                chat_tab,
                plan_tab,
                box,
                send,
                examples_head,
                *example_buttons,
                new_chat,
                comment_box,
                comment_send,
                sources,
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
            ],
        )
        page.load(chat.restore, None, [chatbot, turn_ids])
        coaching_tabs.wire(lang)
    return page
