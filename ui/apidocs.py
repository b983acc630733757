"""``/api/docs``: the REST API described on one page served by this server, no CDN.

FastAPI's Swagger UI loads its script and styles from a CDN, which a campus behind a firewall
cannot reach and which the Content-Security-Policy forbids anyway. This page is built from the
same OpenAPI schema (``/api/openapi.json``): each route with its summary, description, request
fields and their types. Static HTML, no script; every value is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

STYLE = (
    "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:860px;margin:2em auto;"
    "padding:0 1em;color:#223}code,pre{background:#f3f4f8;padding:2px 4px;border-radius:4px}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}"
    "td,th{border:1px solid #dde;padding:4px 8px;text-align:left}"
    "h2{margin-top:2em;font-size:1.1rem}"
)


def _schema(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        found = spec.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
        return found if isinstance(found, dict) else {}
    return node


def _type(node: dict[str, Any]) -> str:
    if "enum" in node:
        return " | ".join(repr(v) for v in node["enum"])
    if "anyOf" in node:
        return " | ".join(_type(n) for n in node["anyOf"])
    return str(node.get("type", "object"))


def render(spec: dict[str, Any]) -> str:
    parts = [f"<h1>{escape(spec.get('info', {}).get('title', 'API'))} REST API</h1>"]
    parts.append('<p>Schema: <a href="/api/openapi.json"><code>/api/openapi.json</code></a></p>')
    for path, operations in spec.get("paths", {}).items():
        for method, op in operations.items():
            parts.append(f"<h2><code>{escape(method.upper())} {escape(path)}</code></h2>")
            if op.get("summary"):
                parts.append(f"<p><b>{escape(op['summary'])}</b></p>")
            if op.get("description"):
                parts.append(f"<pre>{escape(op['description'])}</pre>")
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            schema = _schema(spec, body.get("schema", {}))
            fields = schema.get("properties", {})
            if fields:
                required = set(schema.get("required", []))
                rows = "".join(
                    f"<tr><td><code>{escape(name)}</code></td><td>{escape(_type(field))}</td>"
                    f"<td>{'yes' if name in required else ''}</td>"
                    f"<td>{escape(str(field.get('description', '')))}</td></tr>"
                    for name, field in fields.items()
                )
                parts.append(
                    "<table><tr><th>field</th><th>type</th><th>required</th><th>meaning</th></tr>"
                    f"{rows}</table>"
                )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>API</title>'
        f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>"
    )


def add_api_docs(app: FastAPI) -> None:
    @app.get("/api/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        return HTMLResponse(render(app.openapi()))
