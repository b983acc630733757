"""``/api/docs`` needs nothing from outside: the page names only careercoach's own URLs, each of
them is served, and the asset route serves its fixed list and nothing else."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.settings import Settings
from tests.ui_fakes import make_services
from ui.apidocs import ASSETS
from ui.app import build_app


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(home=tmp_path / "home")
    services, _, _, store = make_services(settings)
    with TestClient(build_app(settings, services)) as client:
        yield client
    store.close()


def test_the_api_docs_page_loads_its_assets_from_careercoach(http: TestClient) -> None:
    page = http.get("/api/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower()
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", page.text)
    assert urls and not [u for u in urls if "//" in u], urls  # no CDN, no other host
    assets = [u for u in urls if u.startswith("/api/docs-assets/")]
    assert {u.rsplit("/", 1)[1] for u in assets} == set(ASSETS)
    for url in assets:
        reply = http.get(url)
        assert reply.status_code == 200 and len(reply.content) > 1000, url
        assert reply.headers["content-type"] == ASSETS[url.rsplit("/", 1)[1]]
    assert "/api/openapi.json" in urls
    assert http.get("/api/openapi.json").json()["openapi"].startswith("3.")


@pytest.mark.parametrize("name", ["core.py", "..%2F__init__.py", "redoc.standalone.js", ""])
def test_the_asset_route_serves_only_its_list(http: TestClient, name: str) -> None:
    assert http.get(f"/api/docs-assets/{name}").status_code == 404
