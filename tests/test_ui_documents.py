"""The original at a citation over HTTP: PDF and image pages highlighted, sections marked,
documents only by id, changed files refused."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.original import HIGHLIGHT
from bot.settings import Settings
from tests.conftest import FIXTURES, REPO
from tests.http_app import PASSWORD, login, running_app
from tests.test_ingest_ocr import make_kb
from tests.ui_fakes import make_services
from ui.app import build_app

INGEST = FIXTURES / "ingest"


UNOFFICIAL_CONTACTS = """---
title: 校园招聘会安排（测试用虚构文件）
issuer: 测试夹具学院就业办
---

## 报名

招聘会于每周三在体育馆举行，学生凭学生证入场。
现场咨询电话 0931-8765432，也可访问 www.zhaopinhui-test.cn 查看企业名单。
"""


@dataclass
class Site:
    http: TestClient
    kb: KnowledgeBase
    folder: Path
    app: Any


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp_path = tmp_path_factory.mktemp("documents")
    settings = Settings(home=tmp_path / "home")
    folder = tmp_path / "kb"
    folder.mkdir()
    for name in ("subsidy-table.pdf", "notice.png"):
        shutil.copy(INGEST / name, folder / name)
    shutil.copy(REPO / "knowledge" / "docs" / "sanzhi-yifu.md", folder / "sanzhi-yifu.md")
    (folder / "campus-fair.md").write_text(UNOFFICIAL_CONTACTS, encoding="utf-8")
    kb = make_kb(settings)
    assert kb.refresh([folder]).ok
    services, _, _, store = make_services(settings)
    for name, role in (("li", "counselor"), ("wang", "maintainer")):
        store.add_user(name, role, PASSWORD)  # type: ignore[arg-type]
    app = build_app(settings, replace(services, kb=kb))
    with TestClient(app) as http:
        yield Site(http, kb, folder, app)
    store.close()


def chunk_of(kb: KnowledgeBase, source: str, needle: str) -> tuple[str, str]:
    gen = kb.generation()
    for chunk in kb.chunks():
        if gen.documents[chunk.doc_id].path.endswith(source) and needle in chunk.text:
            return chunk.doc_id, chunk.chunk_id
    raise AssertionError(f"no chunk of {source} holds {needle}")


def yellow_share(png: bytes, box: tuple[float, float, float, float] | None = None) -> float:
    """Share of pixels (inside ``box``, as fractions of the image) tinted by the highlight."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    if box is not None:
        w, h = img.size
        img = img.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    pixels = list(img.getdata())
    tinted = sum(1 for r, g, b in pixels if r > 200 and g > 170 and b < 150)
    return tinted / len(pixels)


def test_a_pdf_passage_is_placed_and_its_page_highlighted(site: Site) -> None:
    doc_id, chunk_id = chunk_of(site.kb, "subsidy-table.pdf", "癸省")
    got = site.http.get(f"/api/documents/{doc_id}/passages/{chunk_id}")
    assert got.status_code == 200, got.text
    place = got.json()
    assert place["kind"] == "page" and 2 in place["pages"]  # the row is printed on page 2
    assert place["pages"] == sorted(place["pages"])
    width, height = place["page_sizes"]["2"]
    png = site.http.get(place["page_urls"]["2"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    plain = site.http.get(f"/api/documents/{doc_id}/pages/2.png").content
    for x0, y0, x1, y1 in place["boxes"]["2"]:
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
        inside = (x0 / width, y0 / height, x1 / width, y1 / height)
        assert yellow_share(png.content, inside) > 0.3  # the passage is painted over
        assert yellow_share(plain, inside) < 0.01  # without a passage, nothing is
    assert HIGHLIGHT[3] < 255  # translucent: the text stays readable under it


def test_an_image_notice_is_shown_with_its_passage(site: Site) -> None:
    doc_id, chunk_id = chunk_of(site.kb, "notice.png", "无需另行提交申请")
    place = site.http.get(f"/api/documents/{doc_id}/passages/{chunk_id}").json()
    assert place["pages"] == [1] and place["ocr_confidence"] > 0.9
    png = site.http.get(place["page_urls"]["1"]).content
    assert yellow_share(png) > 0.02


def test_a_markdown_passage_comes_as_its_section_with_the_range_marked(site: Site) -> None:
    gen = site.kb.generation()
    chunk = next(
        c for c in site.kb.chunks() if gen.documents[c.doc_id].path.endswith("sanzhi-yifu.md")
        and len(c.section_path) > 1
    )  # fmt: skip
    place = site.http.get(f"/api/documents/{chunk.doc_id}/passages/{chunk.chunk_id}").json()
    assert place["kind"] == "section" and place["anchor"] == chunk.anchor != ""
    start, end = place["highlight"]
    assert place["text"][start:end] == chunk.text
    assert place["section"] == chunk.section_path
    refused = site.http.get(f"/api/documents/{chunk.doc_id}/pages/1.png")
    assert refused.status_code == 404 and "has no pages" in refused.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/documents/..%2F..%2Fetc%2Fpasswd/passages/x",
        "/api/documents/0123456789abcdef/passages/0123456789abcdef-0000-0123456789",
        "/api/documents/etc/pages/1.png",
        "/api/documents/%2Fetc%2Fpasswd/pages/1.png",
    ],
)
def test_only_ids_of_the_index_are_served(site: Site, url: str) -> None:
    got = site.http.get(url)
    assert got.status_code == 404
    assert "root:" not in got.text


def test_a_passage_of_another_document_is_refused(site: Site) -> None:
    doc_a, _ = chunk_of(site.kb, "subsidy-table.pdf", "癸省")
    _, chunk_b = chunk_of(site.kb, "notice.png", "无需另行提交申请")
    assert site.http.get(f"/api/documents/{doc_a}/passages/{chunk_b}").status_code == 404


def test_a_changed_original_is_not_served(site: Site) -> None:
    doc_id, chunk_id = chunk_of(site.kb, "subsidy-table.pdf", "癸省")
    original = site.folder / "subsidy-table.pdf"
    original.write_bytes((INGEST / "mixed-scan.pdf").read_bytes())
    try:
        got = site.http.get(f"/api/documents/{doc_id}/passages/{chunk_id}")
        assert got.status_code == 404 and "changed since it was indexed" in got.json()["detail"]
    finally:
        shutil.copy(INGEST / "subsidy-table.pdf", original)
    assert site.http.get(f"/api/documents/{doc_id}/passages/{chunk_id}").status_code == 200


def test_the_viewer_page_is_static_and_locked_down(site: Site) -> None:
    got = site.http.get("/documents/0123456789abcdef?passage=<script>alert(1)</script>")
    assert got.status_code == 200
    assert "<script>alert" not in got.text  # nothing from the address is put into the page
    assert "script-src 'self'" in got.headers["content-security-policy"]
    assert site.http.get("/documents-static/document.js").status_code == 200
    assert site.http.get("/documents-static/../app.py").status_code == 404


@pytest.mark.parametrize("who", [None, "li", "wang"], ids=["anonymous", "counselor", "maintainer"])
def test_an_original_is_shown_to_whoever_sees_the_answer_under_both_policies(
    site: Site, who: str | None
) -> None:
    # Graduates are anonymous and any of them can be shown the citation, so the original is
    # too; staff see the same. Only the route allow-list's and the headers' rules apply.
    doc_id, chunk_id = chunk_of(site.kb, "notice.png", "无需另行提交申请")
    with TestClient(site.app, follow_redirects=False) as http:
        if who is not None:
            assert login(http, who).status_code == 303
            assert http.get("/whoami").json()["name"] == who
        assert http.get(f"/api/documents/{doc_id}/passages/{chunk_id}").status_code == 200
        viewer = http.get(f"/documents/{doc_id}?passage={chunk_id}")
        assert viewer.status_code == 200
        policies = viewer.headers.get_list("content-security-policy")
        assert len(policies) == 2  # the viewer's own (no inline script at all) and the app's
        assert any(p.startswith("default-src 'none'") for p in policies)
        assert any("frame-ancestors 'none'" in p and "form-action 'self'" in p for p in policies)
        assert viewer.headers["x-content-type-options"] == "nosniff"
        assert viewer.headers["x-frame-options"] == "DENY"
        page = http.get(f"/api/documents/{doc_id}/pages/1.png?passage={chunk_id}")
        assert page.headers["cache-control"] == "no-store"  # under /api: never kept by a proxy
        written = http.post(f"/api/documents/{doc_id}/passages/{chunk_id}", json={})
        assert written.status_code in (404, 405)  # nothing here changes state


def test_opening_originals_is_bounded_and_says_so(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from bot.knowledge.original import Originals
    from ui import documents

    doc_id, chunk_id = chunk_of(site.kb, "notice.png", "无需另行提交申请")
    entered, release = threading.Event(), threading.Event()
    real = Originals.page_png

    def slow(self: Originals, *args: Any, **kwargs: Any) -> bytes:
        entered.set()
        assert release.wait(60)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(documents, "WORK_AT_ONCE", 1)
    monkeypatch.setattr(documents, "WORK_WAITING", 0)
    monkeypatch.setattr(Originals, "page_png", slow)
    services, _, _, store = make_services(Settings(home=site.folder.parent / "bounded"))
    url = f"/api/documents/{doc_id}/pages/1.png?passage={chunk_id}"
    with running_app(build_app(services.settings, replace(services, kb=site.kb))) as base:
        first: list[int] = []
        holder = threading.Thread(
            target=lambda: first.append(httpx.get(base + url, timeout=120).status_code)
        )
        holder.start()
        try:
            assert entered.wait(60)
            refused = httpx.get(base + url, timeout=60)
            assert refused.status_code == 429 and refused.headers["retry-after"] == "2"
            assert "try again" in refused.json()["detail"]
            assert httpx.get(base + "/api/health", timeout=60).status_code == 200  # still serving
        finally:
            release.set()
            holder.join(120)
        assert first == [200]
        assert httpx.get(base + url, timeout=120).status_code == 200  # the slot is free again
    store.close()


def test_the_viewer_is_told_of_contacts_no_official_channel_confirms(site: Site) -> None:
    doc_id, chunk_id = chunk_of(site.kb, "campus-fair.md", "8765432")
    body = site.http.get(f"/api/documents/{doc_id}/passages/{chunk_id}").json()
    assert any("8765432" in claim for claim in body["unverified"])
    assert any("zhaopinhui-test.cn" in claim for claim in body["unverified"])
    script = site.http.get("/documents-static/document.js").text
    assert "body.unverified" in script and "textContent" in script
