"""The API's Swagger UI page at ``/api/docs``, with its script, style and icon served by
careercoach itself (FastAPI's default page loads them from a CDN, which is blank behind a campus
firewall or offline). The files come from the ``fastapi-offline`` wheel, which bundles a Swagger
UI that reads OpenAPI 3.1; only the names in :data:`ASSETS` are served.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}


def add_api_docs(app: FastAPI, path: str = "/api/docs", assets: str = "/api/docs-assets") -> None:
    """Serve the Swagger UI for ``app.openapi_url`` at ``path``; build ``app`` with
    ``docs_url=None`` so FastAPI's CDN page is not registered too."""
    if app.openapi_url is None:
        raise ValueError("the API docs need the app's openapi_url")
    openapi_url = app.openapi_url
    static = files("fastapi_offline") / "static"

    @app.get(path, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon.png",
        )

    @app.get(assets + "/{name}", include_in_schema=False)
    def api_docs_asset(name: str) -> Response:
        media_type = ASSETS.get(name)  # the name picks from a fixed list, never a path
        if media_type is None:
            raise HTTPException(status_code=404)
        return Response(
            (static / name).read_bytes(),
            media_type=media_type,
            headers={"Cache-Control": "public, max-age=86400"},
        )
