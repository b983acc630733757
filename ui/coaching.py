"""The coaching tabs of the graduate page: 测评 (assessment), 职业 (occupations), 简历 (résumé),
面试 (interview), in Chinese and English.

:class:`CoachingPage` holds the handlers as plain methods that tests call without a browser;
:func:`build_coaching_tabs` lays the four tabs out inside the graduate page's ``gr.Tabs`` and
returns an object whose ``wire(lang)`` connects the page's language switch. The questionnaire is
one screen: every item with its five choices, each answer saved to the session at once, so a
reload resumes it; progress shows above. Text that came from the graduate or their file is
shown inert (``ui.sanitize.literal``). The résumé is pasted, or chosen as a file in a column that
``templates/resume.js`` draws and sends to :func:`resume_routes` (not through Gradio, whose
uploads the graduate page refuses: SECURITY.md). The chart is our own SVG of numbers.
:func:`make_coaching` builds the service from settings (None when its data files cannot load:
the tabs then say so).
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from bot.errors import CareerCoachError
from bot.settings import Settings
from ui.csrf import cross_site
from ui.sanitize import literal
from ui.services import Services
from ui.sessions import graduate_session
from ui.texts import LANGS, vocabulary_choices

log = logging.getLogger(__name__)

TEXTS: dict[str, dict[str, str]] = {
    "tab_assess": {"zh": "测评", "en": "Assessment"},
    "tab_occupations": {"zh": "职业", "en": "Occupations"},
    "tab_resume": {"zh": "简历", "en": "Résumé"},
    "tab_interview": {"zh": "面试", "en": "Interview"},
    "assess_intro": {
        "zh": (
            "### 职业兴趣测评（霍兰德 RIASEC）\n48 个活动，按你喜欢的程度选择。"
            "答案随选随存，刷新页面也能接着做。"
        ),
        "en": (
            "### Interest questionnaire (Holland RIASEC)\n48 activities: pick how much you "
            "would like each. "
            "Every answer is saved at once, so you can reload and carry on."
        ),
    },
    "progress": {
        "zh": "进度：已答 {done}/{total} 题",
        "en": "Progress: {done} of {total} answered",
    },
    "finish": {"zh": "查看结果", "en": "See my result"},
    "incomplete": {"zh": "还有 {n} 题没有作答。", "en": "{n} items are still unanswered."},
    "restart": {"zh": "重新测评", "en": "Start again"},
    "matches": {
        "zh": "#### 和你的兴趣、专业相符的职业",
        "en": "#### Occupations that fit your interests and major",
    },
    "major_hint": {"zh": "专业（可选，用于匹配职业）", "en": "Major (optional, for matching)"},
    "share": {"zh": "分享给辅导员", "en": "Share with a counsellor"},
    "shared": {"zh": "已分享。", "en": "Shared."},
    "occ_intro": {
        "zh": (
            "### 探索职业\n按关键词、专业或兴趣代码搜索；"
            "填上你的情况可得到推荐职业和含技能行动的规划。"
        ),
        "en": (
            "### Explore occupations\nSearch by words, major or interest code; describe "
            "yourself for suggestions "
            "and a plan with dated skill actions."
        ),
    },
    "search": {"zh": "搜索", "en": "Search"},
    "query": {"zh": "关键词（如 数据分析）", "en": "Words (e.g. data analysis)"},
    "code": {"zh": "兴趣代码（如 IAS，可留空）", "en": "Interest code (e.g. IAS, optional)"},
    "major": {"zh": "专业", "en": "Major"},
    "education": {"zh": "学历", "en": "Education"},
    "graduation": {"zh": "毕业年份", "en": "Graduation year"},
    "home": {"zh": "生源地（省份）", "en": "Home province"},
    "nationality": {"zh": "国籍（中国可不填）", "en": "Nationality (leave empty if Chinese)"},
    "paths": {"zh": "意向方向", "en": "Directions you consider"},
    "suggest": {"zh": "推荐职业", "en": "Suggest occupations"},
    "coach_plan": {"zh": "生成含自我评估的规划", "en": "Make a plan with self-assessment"},
    "resume_intro": {
        "zh": (
            "### 简历诊断\n粘贴简历全文，或在下方选择 PDF / Word 文件；可粘贴岗位描述。"
            "简历只在本次诊断中使用，不会保存，除非你勾选保存（也只保存诊断结果）。"
        ),
        "en": (
            "### Résumé review\nPaste your résumé's text or choose a PDF or Word file below, "
            "and optionally paste a job description. The résumé is "
            "used for this review only and not stored unless you tick the box (then only the "
            "findings are kept)."
        ),
    },
    "upload": {"zh": "简历全文", "en": "Résumé text"},
    "job": {"zh": "岗位描述（可选）", "en": "Job description (optional)"},
    "keep": {
        "zh": "保存诊断结果（可分享给辅导员）",
        "en": "Keep the findings (to share with a counsellor)",
    },
    "review": {"zh": "开始诊断", "en": "Review"},
    "no_file": {"zh": "请先粘贴简历全文。", "en": "Paste your résumé first."},
    "no_upload": {"zh": "请先选择简历文件。", "en": "Choose a résumé file first."},
    "no_findings": {"zh": "没有发现明显问题。", "en": "No findings."},
    "rewrites": {
        "zh": "#### 改写建议（已核对：没有添加原文没有的内容）",
        "en": "#### Suggested rewrites (checked: nothing added)",
    },
    "interview_intro": {
        "zh": (
            "### 模拟面试\n选择目标职业或面试形式，输入你的回答，"
            "得到结构、篇幅、具体性和要点的反馈。"
        ),
        "en": (
            "### Interview practice\nPick a target occupation or a format, type your answer, "
            "and get feedback "
            "on structure, length, specifics and the question's points."
        ),
    },
    "occupation": {"zh": "目标职业（可选）", "en": "Target occupation (optional)"},
    "format": {"zh": "面试形式", "en": "Format"},
    "start": {"zh": "开始练习", "en": "Start"},
    "answer": {"zh": "你的回答", "en": "Your answer"},
    "submit": {"zh": "提交回答", "en": "Submit answer"},
    "next": {"zh": "下一题", "en": "Next question"},
    "unavailable": {"zh": "职业辅导功能暂不可用。", "en": "Coaching is not available right now."},
    "done_all": {"zh": "这一组题已经答完。", "en": "That was the last question of this set."},
}
FORMAT_NAMES = {
    "structured": ("结构化面试", "Structured"),
    "group": ("无领导小组讨论", "Group discussion"),
    "teacher": ("教师面试/试讲", "Teacher interview"),
    "behavioural": ("校招行为面试", "Behavioural"),
}


def tt(key: str, lang: str) -> str:
    entry = TEXTS[key]
    return entry.get(lang, entry["zh"])


def safe(text: str) -> str:
    """Untrusted text for Markdown, shown as typed (``ui.sanitize.literal``: inert)."""
    return literal(str(text))


def make_coaching(settings: Settings, store: Any) -> Any | None:
    """The coaching service, or None when a data file cannot load (the error is logged)."""
    from bot.chat.llm import make_chat_model
    from bot.coaching.interview import load_bank
    from bot.coaching.occupations import load_occupations
    from bot.coaching.riasec import load_questionnaire
    from bot.coaching.service import Coaching
    from bot.planning.catalogue import load_catalogue

    try:
        return Coaching(
            load_questionnaire(),
            load_occupations(),
            load_catalogue(),
            load_bank(),
            records=getattr(store, "coaching", None),
            llm=make_chat_model(settings),
        )
    except CareerCoachError as error:
        log.warning("coaching is off: %s", error.message)
        return None


class CoachingPage:
    """Handlers of the four coaching tabs."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def coaching(self) -> Any:
        return self.services.coaching

    def session_id(self, request: Any) -> str:
        return graduate_session(self.services.store, request)

    # --- assessment ------------------------------------------------------------------------
    def progress_text(self, state: dict[str, Any], lang: str) -> str:
        return tt("progress", lang).format(done=state["answered"], total=state["total"])

    def restore(self, lang_label: str, request: gr.Request | None = None) -> list[Any]:
        """Saved answers into the radios, progress, and the result if complete."""
        lang = LANGS.get(lang_label, "zh")
        if self.coaching is None:
            return [
                tt("unavailable", lang),
                *[gr.update() for _ in range(self._count())],
                "",
                "",
                "",
            ]
        state = self.coaching.assessment_state(self.session_id(request))
        values = [state["answers"].get(item.id) for item in self.coaching.questionnaire.items]
        view = self._result_parts(state, "", lang) if state["result"] else ("", "", "")
        return [self.progress_text(state, lang), *values, *view]

    def _count(self) -> int:
        return len(self.coaching.questionnaire.items) if self.coaching else 0

    def answer(
        self, item_id: str, value: Any, lang_label: str, request: gr.Request | None = None
    ) -> str:
        lang = LANGS.get(lang_label, "zh")
        if self.coaching is None or value is None:
            return gr.update()  # type: ignore[return-value]
        state = self.coaching.answer(self.session_id(request), {item_id: int(value)})
        return self.progress_text(state, lang)

    def finish(
        self, major: str, lang_label: str, request: gr.Request | None = None
    ) -> tuple[str, str, str]:
        lang = LANGS.get(lang_label, "zh")
        if self.coaching is None:
            return tt("unavailable", lang), "", ""
        state = self.coaching.assessment_state(self.session_id(request))
        if not state["result"]:
            return tt("incomplete", lang).format(n=state["total"] - state["answered"]), "", ""
        return self._result_parts(state, major, lang)

    def _result_parts(self, state: dict[str, Any], major: str, lang: str) -> tuple[str, str, str]:
        view = self.coaching.result_view(state["result"], lang)
        fields = {"major": major.strip()} if major and major.strip() else {}
        try:
            found = self.coaching.suggestions(fields, lang, code=view["code"])
        except CareerCoachError as error:
            return view["meaning"], view["chart_svg"], "注意 / Note: " + error.for_language(lang)
        lines = [tt("matches", lang), ""]
        for s in found[:5]:
            lines.append(
                f"- **{s['name']}** [{s['riasec']}]：{'；'.join(s['reasons'])}"
                if lang == "zh"
                else f"- **{s['name']}** [{s['riasec']}]: {'; '.join(s['reasons'])}"
            )
        return view["meaning"], view["chart_svg"], "\n".join(lines)

    def restart(self, lang_label: str, request: gr.Request | None = None) -> list[Any]:
        lang = LANGS.get(lang_label, "zh")
        if self.coaching is None:
            return [tt("unavailable", lang), *[None] * self._count(), "", "", ""]
        state = self.coaching.answer(self.session_id(request), {}, restart=True)
        return [self.progress_text(state, lang), *[None] * self._count(), "", "", ""]

    def share_assessment(self, lang_label: str, request: gr.Request | None = None) -> str:
        lang = LANGS.get(lang_label, "zh")
        sid = self.session_id(request)
        state = self.coaching.assessment_state(sid) if self.coaching else None
        if not state or state["record_id"] is None:
            return tt("incomplete", lang).format(
                n=state["total"] - state["answered"] if state else 0
            )
        self.services.store.coaching.share(sid, state["record_id"])  # type: ignore[attr-defined]
        return tt("shared", lang)

    # --- occupations -------------------------------------------------------------------------
    def search(self, query: str, major: str, code: str, lang_label: str) -> str:
        from bot.coaching.occupations import search
        from bot.coaching.riasec import parse_code

        lang = LANGS.get(lang_label, "zh")
        if self.coaching is None:
            return tt("unavailable", lang)
        try:
            found = search(
                self.coaching.occupations,
                query or "",
                major=major.strip() or None,
                code=parse_code(code) if code and code.strip() else None,
            )
        except CareerCoachError as error:
            return "注意 / Note: " + error.for_language(lang)
        skills = self.coaching.occupations.skills
        lines = []
        for occ in found[:30]:
            code_text = f" · 大典 {occ.dadian.code}" if occ.dadian else ""
            joined = ("、" if lang == "zh" else ", ").join(skills[s].get(lang) for s in occ.skills)
            lines.append(f"- **{occ.name.get(lang)}** [{occ.riasec.code}]{code_text} — {joined}")
        return "\n".join(lines) or ("没有找到。" if lang == "zh" else "Nothing found.")

    def _fields(
        self,
        major: str,
        education: str | None,
        graduation: float | None,
        home: str,
        nationality: str,
        paths: list[str],
    ) -> dict[str, Any]:
        return {
            "major": major.strip() or None,
            "education": education or None,
            "graduation_date": str(int(graduation)) if graduation else None,
            "home_province": home.strip() or None,
            "nationality": nationality.strip() or None,
            "paths": list(paths or []) or None,
        }

    def suggest(
        self,
        major: str,
        education: str | None,
        graduation: float | None,
        home: str,
        nationality: str,
        paths: list[str],
        code: str,
        lang_label: str,
        request: gr.Request | None = None,
    ) -> str:
        lang = LANGS.get(lang_label, "zh")
        if self.coaching is None:
            return tt("unavailable", lang)
        fields = self._fields(major, education, graduation, home, nationality, paths)
        try:
            found = self.coaching.suggestions(
                fields, lang, self.session_id(request), code.strip() or None
            )
        except CareerCoachError as error:
            return "注意 / Note: " + error.for_language(lang)
        out = []
        for s in found:
            out.append(f"#### {s['name']} [{s['riasec']}]")
            out += [f"- {r}" for r in s["reasons"]]
            sep = "、" if lang == "zh" else ", "
            out.append(f"- {'途径' if lang == 'zh' else 'Ways in'}: {sep.join(s['routes'])}")
            if s["gaps"]:
                out.append(
                    f"- {'待展示技能' if lang == 'zh' else 'Skills to show'}: {sep.join(s['gaps'])}"
                )
        return "\n".join(out) or ("暂时没有推荐。" if lang == "zh" else "No suggestions yet.")

    def plan(
        self,
        major: str,
        education: str | None,
        graduation: float | None,
        home: str,
        nationality: str,
        paths: list[str],
        lang_label: str,
        request: gr.Request | None = None,
    ) -> str:
        lang = LANGS.get(lang_label, "zh")
        if self.coaching is None:
            return tt("unavailable", lang)
        fields = self._fields(major, education, graduation, home, nationality, paths)
        try:
            return str(self.coaching.plan(fields, lang, self.session_id(request))["markdown"])
        except CareerCoachError as error:
            return "注意 / Note: " + error.for_language(lang)

    # --- résumé ------------------------------------------------------------------------------
    def review(
        self, text: str, job: str, keep: bool, lang_label: str, request: gr.Request | None = None
    ) -> str:
        """Findings on a pasted résumé (the page takes no uploads: SECURITY.md, route list)."""
        lang = LANGS.get(lang_label, "zh")
        if self.coaching is None:
            return tt("unavailable", lang)
        if not (text or "").strip():
            return tt("no_file", lang)
        try:
            body = self.coaching.review_resume(
                text.encode("utf-8"),
                "resume.txt",
                lang,
                job.strip() or None,
                keep=keep,
                session_id=self.session_id(request),
            )
        except CareerCoachError as error:
            return "注意 / Note: " + error.for_language(lang)
        lines = [
            f"- **{f['kind']}** · {safe(f['text'])}\n  → {f['suggestion']}"
            for f in body["findings"]
        ]
        if not lines:
            lines = [tt("no_findings", lang)]
        if body["rewrites"]:
            lines += ["", tt("rewrites", lang)]
            lines += [
                f"- {safe(r['original'])}\n  ⇒ {safe(r['rewrite'])}" for r in body["rewrites"]
            ]
        return "\n".join(lines)

    def review_file(
        self, data: bytes, name: str, job: str, keep: bool, lang: str, request: Any = None
    ) -> dict[str, Any]:
        """Findings on an uploaded résumé file (PDF, Word, text) as JSON for the page script,
        which shows every text inert; a bad file is ``{"error", "error_zh"}``."""
        if self.coaching is None:
            return {"error": tt("unavailable", "en"), "error_zh": tt("unavailable", "zh")}
        if not data:
            return {"error": tt("no_upload", "en"), "error_zh": tt("no_upload", "zh")}
        try:
            body = self.coaching.review_resume(
                data,
                name,
                lang,
                job.strip() or None,
                keep=keep,
                session_id=self.session_id(request),
            )
        except CareerCoachError as error:
            return {"error": error.message, "error_zh": error.message_zh}
        return {
            "findings": body["findings"],
            "rewrites": body["rewrites"],
            "none": tt("no_findings", lang),
            "rewrites_title": tt("rewrites", lang).lstrip("# "),
        }

    # --- interview ---------------------------------------------------------------------------
    def start(
        self, occupation: str | None, fmt: str | None, lang_label: str
    ) -> tuple[list[dict[str, Any]], int, str, str, str]:
        lang = LANGS.get(lang_label, "zh")
        if self.coaching is None:
            return [], 0, tt("unavailable", lang), "", ""
        try:
            chosen = fmt or self.coaching.formats(occupation or None)[0]
            questions = self.coaching.questions(chosen, lang)
        except CareerCoachError as error:
            return [], 0, "注意 / Note: " + error.for_language(lang), "", ""
        return questions, 0, f"**1/{len(questions)}** {questions[0]['text']}", "", ""

    def submit(
        self,
        questions: list[dict[str, Any]],
        index: int,
        answer: str,
        lang_label: str,
        request: gr.Request | None = None,
    ) -> tuple[str, str]:
        lang = LANGS.get(lang_label, "zh")
        if self.coaching is None or not questions:
            return tt("unavailable", lang), ""
        try:
            body = self.coaching.interview_feedback(
                questions[index]["id"], answer or "", lang, self.session_id(request)
            )
        except CareerCoachError as error:
            return "注意 / Note: " + error.for_language(lang), ""
        tips = body["tips"] or (["各项检查都通过了。"] if lang == "zh" else ["Every check passed."])
        text = "\n".join(f"- {tip}" for tip in tips)
        if body.get("llm_feedback"):
            text += "\n\n" + safe(body["llm_feedback"])
        return text, self.coaching.interview_summary(self.session_id(request), lang)

    def next_question(
        self, questions: list[dict[str, Any]], index: int, lang_label: str
    ) -> tuple[int, str, str, str]:
        lang = LANGS.get(lang_label, "zh")
        if not questions:
            return index, "", "", ""
        if index + 1 >= len(questions):
            return index, tt("done_all", lang), gr.update(), ""  # type: ignore[return-value]
        n = index + 1
        return n, f"**{n + 1}/{len(questions)}** {questions[n]['text']}", "", ""


def _saver(handlers: CoachingPage, item_id: str) -> Any:
    """The change handler of one item's radio (Gradio passes the request by annotation)."""

    def save(value: Any, lang_label: str, request: gr.Request) -> str:
        return handlers.answer(item_id, value, lang_label, request)

    return save


class CoachingTabs:
    """The built components; ``wire(lang)`` relabels them when the page language changes."""

    def __init__(self, relabel: Any, outputs: list[Any]) -> None:
        self._relabel = relabel
        self._outputs = outputs

    def wire(self, lang: gr.Radio) -> None:
        # labels only: no queue, no progress overlay on the page's other components
        lang.change(self._relabel, lang, self._outputs, queue=False, show_progress="hidden")


def build_coaching_tabs(services: Services, page: gr.Blocks, lang: gr.Radio) -> CoachingTabs:
    """The four tabs, inside the page's ``gr.Tabs``; the page's load restores the questionnaire."""
    handlers = CoachingPage(services)
    zh = "zh"
    coaching = services.coaching
    items = coaching.questionnaire.items if coaching else []
    choices = [(c.zh, c.value) for c in coaching.questionnaire.scale] if coaching else []
    with gr.Tab(tt("tab_assess", zh), id="assess") as assess_tab:
        assess_intro = gr.Markdown(tt("assess_intro", zh))
        progress = gr.Markdown(elem_id="assess-progress")
        radios = []
        for n, item in enumerate(items, start=1):
            radios.append(
                gr.Radio(
                    choices,
                    label=f"{n}. {item.zh}",
                    elem_id=f"item-{item.id}",
                    elem_classes="assess-item",
                )
            )
        with gr.Row():
            major = gr.Textbox(label=tt("major_hint", zh), elem_id="assess-major", scale=3)
            finish = gr.Button(
                tt("finish", zh), variant="primary", elem_id="assess-finish", scale=1
            )
            restart = gr.Button(tt("restart", zh), size="sm", elem_id="assess-restart", scale=1)
        chart = gr.Markdown(elem_id="assess-chart")  # gr.HTML showed nothing under the CSP
        meaning = gr.Markdown(elem_id="assess-meaning")
        matches = gr.Markdown(elem_id="assess-matches")
        share = gr.Button(tt("share", zh), size="sm", elem_id="assess-share")
        share_status = gr.Markdown()
    with gr.Tab(tt("tab_occupations", zh), id="occupations") as occ_tab:
        occ_intro = gr.Markdown(tt("occ_intro", zh))
        with gr.Row():
            query = gr.Textbox(label=tt("query", zh), elem_id="occ-query")
            code = gr.Textbox(label=tt("code", zh), elem_id="occ-code")
            search = gr.Button(tt("search", zh), elem_id="occ-search")
        with gr.Row():
            o_major = gr.Textbox(label=tt("major", zh), elem_id="occ-major")
            o_education = gr.Dropdown(
                vocabulary_choices("education", zh), label=tt("education", zh), value=None
            )
            o_grad = gr.Number(label=tt("graduation", zh), precision=0)
            o_home = gr.Textbox(label=tt("home", zh))
            o_nat = gr.Textbox(label=tt("nationality", zh))
        o_paths = gr.CheckboxGroup(vocabulary_choices("paths", zh), label=tt("paths", zh))
        with gr.Row():
            suggest = gr.Button(tt("suggest", zh), variant="primary", elem_id="occ-suggest")
            plan = gr.Button(tt("coach_plan", zh), elem_id="occ-plan")
        occ_view = gr.Markdown(elem_id="occ-view")
    with gr.Tab(tt("tab_resume", zh), id="resume") as resume_tab:
        resume_intro = gr.Markdown(tt("resume_intro", zh))
        upload = gr.Textbox(
            label=tt("upload", zh), lines=10, max_lines=40, max_length=20000, elem_id="resume-text"
        )
        job = gr.Textbox(label=tt("job", zh), lines=4, elem_id="resume-job")
        keep = gr.Checkbox(label=tt("keep", zh), value=False, elem_id="resume-keep")
        # a file is read by templates/resume.js, drawn in this column (no Gradio upload)
        gr.Column(elem_id="resume-upload")
        review = gr.Button(tt("review", zh), variant="primary", elem_id="resume-review")
        findings = gr.Markdown(elem_id="resume-findings")
    with gr.Tab(tt("tab_interview", zh), id="interview") as interview_tab:
        interview_intro = gr.Markdown(tt("interview_intro", zh))
        occ_choices = (
            [(o.name.zh, o.id) for o in coaching.occupations.occupations] if coaching else []
        )
        with gr.Row():
            i_occ = gr.Dropdown(
                occ_choices, label=tt("occupation", zh), value=None, elem_id="iv-occupation"
            )
            i_fmt = gr.Radio(
                [(zh_name, code_) for code_, (zh_name, _) in FORMAT_NAMES.items()],
                label=tt("format", zh),
                value=None,
                elem_id="iv-format",
            )
            i_start = gr.Button(tt("start", zh), variant="primary", elem_id="iv-start")
        questions = gr.State([])
        index = gr.State(0)
        i_question = gr.Markdown(elem_id="iv-question")
        i_answer = gr.Textbox(label=tt("answer", zh), lines=5, elem_id="iv-answer")
        with gr.Row():
            i_submit = gr.Button(tt("submit", zh), variant="primary", elem_id="iv-submit")
            i_next = gr.Button(tt("next", zh), elem_id="iv-next")
        i_feedback = gr.Markdown(elem_id="iv-feedback")
        i_summary = gr.Markdown(elem_id="iv-summary")

    for item, radio in zip(items, radios, strict=True):
        radio.input(_saver(handlers, item.id), [radio, lang], progress, show_progress="hidden")
    finish.click(handlers.finish, [major, lang], [meaning, chart, matches])
    restart.click(handlers.restart, lang, [progress, *radios, meaning, chart, matches])
    share.click(handlers.share_assessment, lang, share_status)
    search.click(handlers.search, [query, o_major, code, lang], occ_view)
    suggest.click(
        handlers.suggest,
        [o_major, o_education, o_grad, o_home, o_nat, o_paths, code, lang],
        occ_view,
    )
    plan.click(
        handlers.plan, [o_major, o_education, o_grad, o_home, o_nat, o_paths, lang], occ_view
    )
    review.click(handlers.review, [upload, job, keep, lang], findings)
    i_start.click(
        handlers.start, [i_occ, i_fmt, lang], [questions, index, i_question, i_feedback, i_answer]
    )
    i_submit.click(handlers.submit, [questions, index, i_answer, lang], [i_feedback, i_summary])
    i_next.click(
        handlers.next_question, [questions, index, lang], [index, i_question, i_answer, i_feedback]
    )
    page.load(handlers.restore, lang, [progress, *radios, meaning, chart, matches])

    def relabel(lang_label: str) -> list[Any]:
        code_ = LANGS.get(lang_label, "zh")
        scale = [(c.get(code_), c.value) for c in coaching.questionnaire.scale] if coaching else []
        return [
            gr.update(label=tt("tab_assess", code_)),
            tt("assess_intro", code_),
            *[
                gr.update(label=f"{n}. {item.get(code_)}", choices=scale)
                for n, item in enumerate(items, start=1)
            ],
            gr.update(label=tt("major_hint", code_)),
            tt("finish", code_),
            tt("restart", code_),
            tt("share", code_),
            gr.update(label=tt("tab_occupations", code_)),
            tt("occ_intro", code_),
            gr.update(label=tt("query", code_)),
            gr.update(label=tt("code", code_)),
            tt("search", code_),
            gr.update(label=tt("major", code_)),
            gr.update(label=tt("education", code_), choices=vocabulary_choices("education", code_)),
            gr.update(label=tt("graduation", code_)),
            gr.update(label=tt("home", code_)),
            gr.update(label=tt("nationality", code_)),
            gr.update(label=tt("paths", code_), choices=vocabulary_choices("paths", code_)),
            tt("suggest", code_),
            tt("coach_plan", code_),
            gr.update(label=tt("tab_resume", code_)),
            tt("resume_intro", code_),
            gr.update(label=tt("upload", code_)),
            gr.update(label=tt("job", code_)),
            gr.update(label=tt("keep", code_)),
            tt("review", code_),
            gr.update(label=tt("tab_interview", code_)),
            tt("interview_intro", code_),
            gr.update(
                label=tt("occupation", code_),
                choices=[(o.name.get(code_), o.id) for o in coaching.occupations.occupations]
                if coaching
                else [],
            ),
            gr.update(
                label=tt("format", code_),
                choices=[
                    (names[0 if code_ == "zh" else 1], key) for key, names in FORMAT_NAMES.items()
                ],
            ),
            tt("start", code_),
            gr.update(label=tt("answer", code_)),
            tt("submit", code_),
            tt("next", code_),
        ]

    outputs = [
        assess_tab,
        assess_intro,
        *radios,
        major,
        finish,
        restart,
        share,
        occ_tab,
        occ_intro,
        query,
        code,
        search,
        o_major,
        o_education,
        o_grad,
        o_home,
        o_nat,
        o_paths,
        suggest,
        plan,
        resume_tab,
        resume_intro,
        upload,
        job,
        keep,
        review,
        interview_tab,
        interview_intro,
        i_occ,
        i_fmt,
        i_start,
        i_answer,
        i_submit,
        i_next,
    ]
    return CoachingTabs(relabel, outputs)


def resume_routes(handlers: CoachingPage) -> APIRouter:
    """``POST /cc/resume/review``: a résumé file from the page script, as a form (``file``,
    ``job``, ``keep``, ``lang``), tied to the graduate's cookie session like the chat's routes;
    refused when it comes from another site, and bounded by the app's request-body limit."""
    router = APIRouter()

    @router.post("/cc/resume/review", include_in_schema=False)
    async def review(request: Request) -> JSONResponse:
        refused = cross_site(request)
        if refused is not None:
            return refused
        try:
            form = await request.form(max_files=1, max_fields=8)
        except Exception:  # starlette's parser raises its own errors for a malformed body
            bad = {"error": "not a form with a file", "error_zh": "请求不是带文件的表单"}
            return JSONResponse(bad, status_code=400)
        upload = form.get("file")
        data, name = b"", "resume"
        if isinstance(upload, UploadFile):
            data = await upload.read()
            name = (upload.filename or name).replace("/", "_")[-80:]
        lang = "en" if form.get("lang") == "en" else "zh"
        body = await run_in_threadpool(
            handlers.review_file,
            data,
            name,
            str(form.get("job") or "")[:20000],
            form.get("keep") == "true",
            lang,
            request,
        )
        return JSONResponse(body, status_code=400 if "error" in body else 200)

    return router
