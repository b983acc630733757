"""The original document at a citation, over HTTP: JSON, highlighted page images, a viewer.

Routes (anonymous, like the graduate chat: everything they show is already quoted to graduates):

* ``GET /api/documents/{doc_id}/passages/{chunk_id}`` — where the passage sits
  (``bot.knowledge.original.Place`` as JSON): the pages and boxes of a PDF or image, or the
  section's plain text with the passage's ``highlight`` range for other formats; ``unverified``
  lists the phone numbers, sites and account ids in it that no official channel confirms, which
  the viewer warns about as the answer does;
* ``GET /api/documents/{doc_id}/pages/{page}.png?passage={chunk_id}`` — the page rendered with
  the passage highlighted;
* ``GET /documents/{doc_id}?passage={chunk_id}`` — a small viewer page showing either, so a
  citation can link to it.

Documents are addressed by id only; the path stays on the server. The viewer is a static
template and script: document text reaches the page as JSON and is inserted with
``textContent``, never as HTML, under a Content-Security-Policy that allows no inline script.

Reading a section and rendering a page cost CPU, and the routes are open to anyone, so at most
:data:`WORK_AT_ONCE` such lookups run at once (in worker threads; waiting ones hold no thread)
and beyond :data:`WORK_WAITING` waiting ones a request gets 429 with ``Retry-After``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

import anyio
from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import HTMLResponse

from bot.errors import CareerCoachError, NotFoundError
from bot.resources import package_path
from ui.services import Services

log = logging.getLogger(__name__)
T = TypeVar("T")
WORK_AT_ONCE = 2  # section reads and page renders computed at once, for everyone together
WORK_WAITING = 16  # further ones waiting their turn; beyond that, 429

TEMPLATES = package_path("ui", "templates")
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; frame-ancestors 'self'"
)


def build_documents(services: Services) -> APIRouter:
    router = APIRouter()
    workers = anyio.CapacityLimiter(WORK_AT_ONCE)

    async def bounded(work: Callable[[], T]) -> T:
        busy = workers.borrowed_tokens >= workers.total_tokens
        if busy and workers.statistics().tasks_waiting >= WORK_WAITING:
            raise HTTPException(
                429,
                "too many originals are being opened; try again in a moment / "
                "正在打开的原文过多，请稍后再试",
                headers={"Retry-After": "2"},
            )
        return await anyio.to_thread.run_sync(work, limiter=workers)

    def originals() -> Any:
        from bot.knowledge.base import KnowledgeBase
        from bot.knowledge.original import Originals

        if not isinstance(services.kb, KnowledgeBase):  # a stand-in admin has no index to read
            raise HTTPException(404, "original documents are not available here / 无法查看原文")
        return Originals(services.kb)

    def placed(doc_id: str, chunk_id: str) -> tuple[Any, list[str]]:
        """The passage's place, and the contacts in what the viewer shows that no official
        channel confirms (the answer warns about them; so does the viewer)."""
        from bot.knowledge.claims import OfficialChannels

        found = originals()
        place = found.place(doc_id, chunk_id)
        # a refresh may have switched the generation since: look up again, by id
        hit, info = found.kb.chunk(chunk_id), found.kb.generation().documents.get(doc_id)
        shown = place.text or (hit.text if hit is not None else "")
        issuer = info.meta.issuer if info is not None else ""
        claims = OfficialChannels.load().unverified(f"{place.title}\n{shown}", issuer)
        return place, list(dict.fromkeys(c.text for c in claims))

    def failed(error: CareerCoachError) -> HTTPException:
        code = 404 if isinstance(error, NotFoundError) else 422
        return HTTPException(code, f"{error.message} / {error.message_zh}")

    @router.get("/api/documents/{doc_id}/passages/{chunk_id}")
    async def passage(doc_id: str, chunk_id: str) -> dict[str, Any]:
        try:
            place, unverified = await bounded(lambda: placed(doc_id, chunk_id))
        except CareerCoachError as error:
            raise failed(error) from error
        body = asdict(place)
        body["unverified"] = unverified
        body["page_urls"] = {
            page: f"/api/documents/{doc_id}/pages/{page}.png?passage={chunk_id}"
            for page in place.pages
        }
        return body

    @router.get("/api/documents/{doc_id}/pages/{page}.png")
    async def page_image(
        doc_id: str, page: int, passage: str | None = Query(default=None, max_length=100)
    ) -> Response:
        try:
            png = await bounded(lambda: originals().page_png(doc_id, page, passage))
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
