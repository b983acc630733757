"""The original document at a citation, over HTTP: JSON, highlighted page images, a viewer.

Routes (anonymous, like the graduate chat: everything they show is already quoted to graduates):

* ``GET /api/documents/{doc_id}/passages/{chunk_id}`` — where the passage sits
  (``bot.knowledge.original.Place`` as JSON): the pages and boxes of a PDF or image, or the
  section's plain text with the passage's ``highlight`` range for other formats;
* ``GET /api/documents/{doc_id}/pages/{page}.png?passage={chunk_id}`` — the page rendered with
  the passage highlighted;
* ``GET /documents/{doc_id}?passage={chunk_id}`` — a small viewer page showing either, so a
  citation can link to it.

Documents are addressed by id only; the path stays on the server. The viewer is a static
template and script: document text reaches the page as JSON and is inserted with
``textContent``, never as HTML, under a Content-Security-Policy that allows no inline script.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import HTMLResponse

from bot.errors import CareerCoachError, NotFoundError
from ui.services import Services

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; frame-ancestors 'self'"
)


def build_documents(services: Services) -> APIRouter:
    router = APIRouter()

    def originals() -> Any:
        from bot.knowledge.original import Originals

        if not hasattr(services.kb, "generation"):
            raise HTTPException(404, "original documents are not available here / 无法查看原文")
        return Originals(services.kb)

    def failed(error: CareerCoachError) -> HTTPException:
        code = 404 if isinstance(error, NotFoundError) else 422
        return HTTPException(code, f"{error.message} / {error.message_zh}")

    @router.get("/api/documents/{doc_id}/passages/{chunk_id}")
    def passage(doc_id: str, chunk_id: str) -> dict[str, Any]:
        try:
            place = originals().place(doc_id, chunk_id)
        except CareerCoachError as error:
            raise failed(error) from error
        body = asdict(place)
        body["page_urls"] = {
            page: f"/api/documents/{doc_id}/pages/{page}.png?passage={chunk_id}"
            for page in place.pages
        }
        return body

    @router.get("/api/documents/{doc_id}/pages/{page}.png")
    def page_image(
        doc_id: str, page: int, passage: str | None = Query(default=None, max_length=100)
    ) -> Response:
        try:
            png = originals().page_png(doc_id, page, passage)
        except CareerCoachError as error:
            raise failed(error) from error
        return Response(png, media_type="image/png", headers={"Cache-Control": "private"})

    @router.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
    def viewer(doc_id: str) -> HTMLResponse:
        page = (TEMPLATES / "document.html").read_text(encoding="utf-8")
        return HTMLResponse(page, headers={"Content-Security-Policy": _CSP})

    @router.get("/documents-static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        kinds = {"document.js": "text/javascript", "document.css": "text/css"}
        if name not in kinds:
            raise HTTPException(404, "not found")
        text = (TEMPLATES / name).read_text(encoding="utf-8")
        return Response(text, media_type=kinds[name], headers={"Cache-Control": "no-cache"})

    return router
