"""One object the web page and the REST API call for everything coaching does.

:class:`Coaching` holds the questionnaire, the occupation and resource catalogues, the interview
bank, an optional chat model and the store's coaching records, and keeps what a graduate does
with them in their session: answers as they come (so the questionnaire resumes), the result, the
plan, interview sessions. A résumé is read and reviewed in memory and stored only when the
graduate asks (``keep``), and then only its redacted findings. Sharing with counselors is the
graduate's choice per record. No HTML is produced here except the chart of our own numbers.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any, Protocol

from bot.coaching import interview as iv
from bot.coaching import riasec
from bot.coaching.chart import hexagon_svg
from bot.coaching.matching import suggest
from bot.coaching.occupations import OccupationCatalogue
from bot.coaching.planning import coaching_plan
from bot.coaching.resume import read_resume, review
from bot.coaching.rewrite import suggest_rewrites
from bot.errors import ValidationFailed
from bot.planning.catalogue import Catalogue
from bot.planning.plan import render_markdown
from bot.planning.profile import Profile, profile_from_mapping


class Records(Protocol):
    def save(
        self, session_id: str, kind: str, data: dict[str, Any], record_id: int | None = None
    ) -> int: ...
    def latest(self, session_id: str, kind: str) -> Any: ...
    def of_session(self, session_id: str) -> list[Any]: ...
    def share(self, session_id: str, record_id: int, shared: bool = True) -> None: ...
    def shared(self, kind: str | None = None, limit: int = 100) -> list[Any]: ...


class Coaching:
    def __init__(
        self,
        questionnaire: riasec.Questionnaire,
        occupations: OccupationCatalogue,
        resources: Catalogue,
        bank: iv.Bank,
        records: Records | None = None,
        llm: Any = None,
        today: Any = date.today,
    ) -> None:
        self.questionnaire = questionnaire
        self.occupations = occupations
        self.resources = resources
        self.bank = bank
        self.records = records
        self.llm = llm
        self.today = today
        # answers arrive one radio at a time, each in its own request thread: merging them is a
        # read-modify-write of the stored assessment, so it is done one at a time
        self._answering = threading.Lock()

    # --- assessment ------------------------------------------------------------------------
    def items(self, lang: str) -> list[dict[str, Any]]:
        return [{"id": i.id, "text": i.get(lang)} for i in self.questionnaire.items]

    def scale(self, lang: str) -> list[dict[str, Any]]:
        return [{"value": c.value, "label": c.get(lang)} for c in self.questionnaire.scale]

    def assessment_state(self, session_id: str | None) -> dict[str, Any]:
        """Answers so far, progress, and the result once complete (for resuming)."""
        answers: dict[str, int] = {}
        record_id = None
        if session_id and self.records is not None:
            record = self.records.latest(session_id, "assessment")
            if record is not None:
                answers = {k: int(v) for k, v in record.data.get("answers", {}).items()}
                record_id = record.id
        return self._state(answers, record_id)

    def _state(self, answers: dict[str, int], record_id: int | None) -> dict[str, Any]:
        done, total = riasec.progress(self.questionnaire, answers)
        state: dict[str, Any] = {
            "answers": answers,
            "answered": done,
            "total": total,
            "record_id": record_id,
            "result": None,
        }
        if done == total:
            result = riasec.score(self.questionnaire, answers)
            state["result"] = result.model_dump()
        return state

    def answer(
        self, session_id: str | None, answers: Any, *, restart: bool = False
    ) -> dict[str, Any]:
        """Merge new answers into the session's assessment and store them at once."""
        checked = riasec.check_answers(self.questionnaire, answers)
        with self._answering:
            return self._merge(session_id, checked, restart)

    def _merge(self, session_id: str | None, checked: Any, restart: bool) -> dict[str, Any]:
        state = {"answers": {}, "record_id": None} if restart else self.assessment_state(session_id)
        merged = {**state["answers"], **checked}
        record_id = state["record_id"]
        new = self._state(merged, record_id)
        if session_id and self.records is not None:
            data: dict[str, Any] = {"answers": merged}
            if new["result"]:
                data["code"] = new["result"]["code"]
                data["scores"] = new["result"]["scores"]
            new["record_id"] = self.records.save(session_id, "assessment", data, record_id)
        return new

    def result_view(self, result: dict[str, Any], lang: str) -> dict[str, Any]:
        parsed = riasec.Result.model_validate(result)
        return {
            "code": parsed.code,
            "meaning": riasec.explain(self.questionnaire, parsed, lang),
            "chart_svg": hexagon_svg(parsed, self.questionnaire, lang),
            "bars": riasec.bars(parsed, self.questionnaire, lang),
        }

    def _result(self, session_id: str | None) -> riasec.Result | None:
        state = self.assessment_state(session_id) if session_id else None
        if state and state["result"]:
            return riasec.Result.model_validate(state["result"])
        return None

    # --- occupations and plans ---------------------------------------------------------------
    def profile(self, fields: dict[str, Any], lang: str) -> Profile:
        data = {k: v for k, v in (fields or {}).items() if v not in (None, "", [])}
        data.setdefault("language", lang)
        return profile_from_mapping(data, source="profile")

    def suggestions(
        self,
        fields: dict[str, Any],
        lang: str,
        session_id: str | None = None,
        code: str | None = None,
    ) -> list[dict[str, Any]]:
        """Suggested occupations; the code is the session's assessment result, or one given."""
        profile = self.profile(fields, lang)
        result = self._result(session_id)
        interest = result.code if result else (riasec.parse_code(code) if code else None)
        out = []
        for s in suggest(profile, self.occupations, interest):
            out.append(
                {
                    "id": s.id,
                    "name": s.occupation.name.get(lang),
                    "riasec": s.occupation.riasec.code,
                    "score": s.score,
                    "reasons": [r.get(lang) for r in s.reasons],
                    "routes": [self.occupations.routes[r].name.get(lang) for r in s.routes],
                    "resources": s.resources,
                    "gaps": [self.occupations.skills[g].get(lang) for g in s.gaps],
                }
            )
        return out

    def plan(
        self, fields: dict[str, Any], lang: str, session_id: str | None = None
    ) -> dict[str, Any]:
        profile = self.profile(fields, lang)
        result = self._result(session_id)
        plan = coaching_plan(
            profile,
            self.resources,
            self.occupations,
            self.today(),
            questionnaire=self.questionnaire if result else None,
            result=result,
            lang=lang,
        )
        markdown = render_markdown(plan)
        record_id = None
        if session_id and self.records is not None:
            record_id = self.records.save(
                session_id, "plan", {"markdown": markdown, "code": result.code if result else None}
            )
        return {"markdown": markdown, "plan": plan.to_dict(), "record_id": record_id}

    # --- résumé -------------------------------------------------------------------------------
    def review_resume(
        self,
        data: bytes,
        name: str,
        lang: str,
        job: str | None = None,
        *,
        keep: bool = False,
        session_id: str | None = None,
    ) -> dict[str, Any]:
        text = read_resume(data, name)
        findings = review(text, job, today=self.today())
        keywords = [k for s in self.occupations.skills.values() for k in s.keywords]
        rewrites = suggest_rewrites(text, findings, self.llm, lang, keywords=keywords)
        shown = [
            {"kind": f.kind, "text": f.text, "suggestion": f.suggestion(lang)} for f in findings
        ]
        body: dict[str, Any] = {
            "pages": text.pages,
            "findings": shown,
            "rewrites": [r.model_dump() for r in rewrites if r.kept],
            "record_id": None,
        }
        if keep and session_id and self.records is not None:
            body["record_id"] = self.records.save(session_id, "resume", {"findings": shown})
        return body

    # --- interview ------------------------------------------------------------------------------
    def formats(self, occupation_id: str | None) -> list[str]:
        if not occupation_id:
            return list(iv.FORMATS)
        occ = self.occupations.get(occupation_id)
        return list(iv.formats_for(occ.routes, occ.certificates))

    def questions(self, fmt: str, lang: str) -> list[dict[str, Any]]:
        if fmt not in iv.FORMATS:
            raise ValidationFailed(
                f"unknown interview format '{fmt}' (formats: {', '.join(iv.FORMATS)})",
                message_zh=f"未知的面试形式“{fmt}”",
            )
        return [{"id": q.id, "text": q.get(lang)} for q in self.bank.of_format(fmt)]

    def interview_feedback(
        self, question_id: str, answer: str, lang: str, session_id: str | None = None
    ) -> dict[str, Any]:
        question = self.bank.get(question_id)
        if not answer.strip():
            raise ValidationFailed("answer: empty", message_zh="回答为空")
        result = iv.feedback(question, answer, lang)
        result.llm_feedback = iv.llm_feedback(question, answer, result, self.llm, lang)
        body = result.model_dump() | {"issues": result.issues()}
        if session_id and self.records is not None:
            record = self.records.latest(session_id, "interview")
            items = list(record.data.get("feedback", [])) if record else []
            items.append(
                {"question_id": question_id, "issues": result.issues(), "tips": result.tips}
            )
            self.records.save(
                session_id, "interview", {"feedback": items}, record.id if record else None
            )
        return body

    def interview_summary(self, session_id: str | None, lang: str) -> str:
        record = (
            self.records.latest(session_id, "interview") if self.records and session_id else None
        )
        issues = [list(i["issues"]) for i in record.data.get("feedback", [])] if record else []
        return iv.summary_of_issues(issues, lang)
