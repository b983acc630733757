"""Downloads that never touch the disk: counselor exports and graduates' plans.

- ``GET /counselor/export?fmt=csv&date_from=…`` streams the filtered transcripts to the logged-in
  counselor (the role guard protects the ``/counselor`` prefix) as an attachment; nothing is
  written under the home, so no file route can ever serve it. :func:`export_link` builds the
  link the counselor page shows.
- A plan is kept in memory for the graduate session that made it (:class:`PlanShelf`, at most
  :data:`PLANS_KEPT` plans for :data:`PLAN_TTL_S`) and served at ``GET /plans/<id>`` only to
  that session's cookie; any other browser, staff included, gets 404. A ``serve`` restart or
  another replica forgets it: the graduate makes the plan again (it takes a second).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from bot.errors import CareerCoachError
from ui.auth import graduate_session_id, staff_login_of

PLANS_KEPT = 2000
PLAN_TTL_S = 6 * 3600
EXPORT_FIELDS = ("date_from", "date_to", "intent", "abstained", "negative", "flagged", "text")


@dataclass
class _Plan:
    session: str
    markdown: str
    made_at: float


class PlanShelf:
    """Plans in memory, each readable only by the session that made it."""

    def __init__(self, kept: int = PLANS_KEPT, ttl_s: float = PLAN_TTL_S) -> None:
        self.kept = kept
        self.ttl_s = ttl_s
        self._plans: OrderedDict[str, _Plan] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, session: str, markdown: str) -> str:
        """Keep a plan; returns its URL path."""
        plan_id = secrets.token_urlsafe(18)
        with self._lock:
            self._plans[plan_id] = _Plan(session, markdown, time.monotonic())
            while len(self._plans) > self.kept:
                self._plans.popitem(last=False)
        return f"/plans/{plan_id}"

    def get(self, plan_id: str, session: str | None) -> str | None:
        with self._lock:
            plan = self._plans.get(plan_id)
            if plan is None or time.monotonic() - plan.made_at > self.ttl_s:
                self._plans.pop(plan_id, None)
                return None
        if session is None or not secrets.compare_digest(plan.session, session):
            return None
        return plan.markdown


def download_html(url: str, label: str, element_id: str) -> str:
    """A same-origin download link for a ``gr.HTML`` component (the URL is ours, escaped)."""
    return (
        f'<a id="{escape(element_id)}" class="cc-download" href="{escape(url, quote=True)}" '
        f"download>{escape(label)}</a>"
    )


def export_link(fmt: str, filters: dict[str, Any]) -> str:
    """The export route's URL for a format and the counselor form's filters."""
    query = {"fmt": "csv" if fmt == "csv" else "jsonl"}
    for key in EXPORT_FIELDS:
        value = filters.get(key)
        if isinstance(value, bool):
            if value:
                query[key] = "1"
        elif value:
            query[key] = str(value)
    return "/counselor/export?" + urlencode(query, quote_via=quote)


def _not_found() -> Response:
    return JSONResponse({"error": "not found", "error_zh": "未找到"}, 404)


def add_download_routes(app: FastAPI, review: Any, shelf: PlanShelf) -> None:
    """Register the two routes; ``review`` is the counselor page's handlers (``make_filter``)."""

    @app.get("/counselor/export", include_in_schema=False)
    def export(request: Request, fmt: str = "csv") -> Response:
        if staff_login_of(request) is None:  # the guard sets it; never reached without it
            return JSONResponse({"error": "login required", "error_zh": "请先登录"}, 401)
        args = {key: request.query_params.get(key, "")[:200] for key in EXPORT_FIELDS}
        try:
            flt = review.make_filter(
                {
                    "date_from": args["date_from"],
                    "date_to": args["date_to"],
                    "abstained": args["abstained"] == "1",
                    "negative": args["negative"] == "1",
                    "flagged": args["flagged"] == "1",
                    "text": args["text"],
                }
            )
        except CareerCoachError as error:
            return JSONResponse({"error": error.message, "error_zh": error.message_zh}, 422)
        flt = flt.model_copy(update={"limit": None, "offset": 0})
        kind = "csv" if fmt == "csv" else "jsonl"
        text = review.services.store.export(flt, fmt=kind)
        name = f"transcripts-{datetime.now():%Y%m%d-%H%M%S}.{kind}"

        def chunks() -> Iterator[bytes]:
            data = text.encode("utf-8")
            if kind == "csv":
                yield b"\xef\xbb\xbf"  # a BOM, so Excel and WPS read the Chinese as UTF-8
            for at in range(0, len(data), 65536):
                yield data[at : at + 65536]

        media = "text/csv; charset=utf-8" if kind == "csv" else "application/x-ndjson"
        return StreamingResponse(
            chunks(),
            media_type=media,
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    @app.get("/plans/{plan_id}", include_in_schema=False)
    def plan(plan_id: str, request: Request) -> Response:
        markdown = shelf.get(plan_id[:64], graduate_session_id(request))
        if markdown is None:
            return _not_found()
        return Response(
            markdown.encode("utf-8"),
            media_type="text/markdown; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="careercoach-plan.md"'},
        )
