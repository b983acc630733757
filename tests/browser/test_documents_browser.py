"""In Debian's Chromium: click a citation of a real answer and see the PDF page with the cited
passage highlighted (the viewer of ``ui/documents.py``; the sources panel links to it later).

The app runs in this process on 127.0.0.1 (uvicorn in a thread) over a real knowledge base of
the test fixtures (fake embeddings: the citation, not the ranking, is under test) and the real
offline coach.
"""

from __future__ import annotations

import io
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from PIL import Image

from bot.chat.coach import Coach
from bot.chat.crisis import load_crisis
from bot.chat.glossary import Glossary
from bot.chat.prompts import PromptLibrary
from bot.settings import Settings
from tests.conftest import FIXTURES
from tests.test_ingest_ocr import make_kb
from tests.ui_fakes import make_services
from ui.app import build_app

pytestmark = pytest.mark.browser
UNOFFICIAL_CONTACTS = """---
title: 校园招聘会安排（测试用虚构文件）
issuer: 测试夹具学院就业办
---

## 报名

招聘会于每周三在体育馆举行，学生凭学生证入场。
现场咨询电话 0931-8765432，也可访问 <a href="https://www.zhaopinhui-test.cn">www.zhaopinhui-test.cn</a>。
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    tmp = tmp_path_factory.mktemp("originals")
    folder = tmp / "kb"
    folder.mkdir()
    shutil.copy(FIXTURES / "ingest" / "subsidy-table.pdf", folder / "subsidy-table.pdf")
    (folder / "campus-fair.md").write_text(UNOFFICIAL_CONTACTS, encoding="utf-8")
    settings = Settings(home=tmp / "home")
    kb = make_kb(settings)
    assert kb.refresh([folder]).ok
    coach = Coach(
        kb, PromptLibrary(), Glossary.load(), load_crisis(), today=lambda: date(2026, 11, 22)
    )
    services, _, _, store = make_services(settings)
    app = build_app(settings, replace(services, kb=kb, coach=coach))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", kb
    server.should_exit = True
    thread.join(10)
    store.close()


@pytest.fixture(scope="module")
def app_url(served: tuple[str, Any]) -> str:
    return served[0]


def highlighted_share(png: bytes) -> float:
    img = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = list(img.getdata())
    return sum(1 for r, g, b in pixels if r > 200 and g > 170 and b < 150) / len(pixels)


def test_clicking_a_citation_shows_the_highlighted_pdf_page(
    browser: Any, app_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    reply = httpx.post(
        f"{app_url}/api/chat", json={"message": "乙省的一次性求职补贴是多少？"}, timeout=60
    ).json()
    assert not reply["abstained"], reply["answer"]
    cited = reply["citations"][0]
    assert cited["source"].endswith("subsidy-table.pdf")
    link = f"{app_url}/documents/{cited['doc_id']}?passage={cited['chunk_id']}"
    page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    page.goto(app_url + "/api/health")  # same origin as the link, as the sources panel is
    page.set_content(f'<p>答案引用：<a id="cite" href="{link}">[1] {cited["title"]}</a></p>')
    page.locator("#cite").click()
    expect(page.locator("#title")).to_have_text(cited["title"], timeout=30_000)
    image = page.locator("img[data-page]").first
    expect(image).to_be_visible(timeout=30_000)
    page.wait_for_function(
        "() => { const i = document.querySelector('img[data-page]');"
        " return i && i.complete && i.naturalWidth > 0; }",
        timeout=30_000,
    )
    shot = image.screenshot(path=str(tmp_path / "highlighted-page.png"))
    assert highlighted_share(shot) > 0.002  # the passage is painted on the page
    caption = page.locator("figcaption").first
    expect(caption).to_contain_text("引用的段落已标出")
    page.context.close()


def test_a_section_warns_of_unconfirmed_contacts_and_stays_text(
    browser: Any, served: tuple[str, Any]
) -> None:
    from playwright.sync_api import expect

    url, kb = served
    chunk = next(c for c in kb.chunks() if "8765432" in c.text)
    page = browser.new_context().new_page()
    page.goto(f"{url}/documents/{chunk.doc_id}?passage={chunk.chunk_id}")
    warning = page.locator("#unverified")
    expect(warning).to_be_visible(timeout=30_000)
    expect(warning).to_contain_text("0931-8765432")
    expect(warning).to_contain_text("未经官方渠道核实")
    expect(page.locator("mark#passage")).to_contain_text("8765432")
    assert page.locator("#original a").count() == 0  # the document's link stays text
    page.context.close()
