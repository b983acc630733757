"""``careercoach serve``: start the web app (graduate chat, counselor review, maintainer console).

On first start, when the index holds no document, the starter knowledge base
(``settings.starter_kb_dir``, default ``knowledge/docs`` of the repository) is indexed before the
server listens, with a progress line per file. The app answers offline (extractive) unless an
OpenAI-compatible endpoint is configured; ``--offline`` forces it. The app itself is built by
``ui.app.build_app``; this module only resolves settings, prepares the index and runs uvicorn.

Before anything is imported or created: files are made private (umask 077, the home 0700) and
Gradio is told to stay offline (``ui.offline.prepare_gradio``). Uvicorn's own forwarded-header
handling is off (it would believe ``X-Forwarded-For`` from 127.0.0.1); the app honours forwarded
headers only from ``settings.trusted_proxies``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from bot.cli import settings_of
from bot.cli.params import PORT
from bot.errors import ConfigError
from bot.resources import data_path

log = logging.getLogger(__name__)

REPO_DOCS = data_path("knowledge", "docs")


def ensure_port_free(host: str, port: int) -> None:
    """Fail before any work when ``host:port`` cannot be listened on (busy, or not ours)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ConfigError(
            f"CAREERCOACH_HOST / --host {host!r}: not an address of this machine ({error}); "
            "use 127.0.0.1, 0.0.0.0 or one of its addresses",
            message_zh=f"CAREERCOACH_HOST / --host {host!r} 不是本机地址，"
            "请用 127.0.0.1 或 0.0.0.0",
        ) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            raise ConfigError(
                f"cannot listen on {host}:{port} ({error.strerror}): another program (perhaps "
                "another careercoach serve) uses it; stop it or choose another port with --port "
                "or CAREERCOACH_PORT",
                message_zh=f"无法监听 {host}:{port}（{error.strerror}）：端口已被占用，"
                "请停止占用它的程序，或用 --port / CAREERCOACH_PORT 换一个端口",
            ) from None


def starter_dir(configured: Path | None) -> Path:
    return configured if configured is not None else REPO_DOCS


def index_if_empty(kb: Any, folder: Path) -> Any | None:
    """Refresh ``folder`` into an empty index; returns the report, or None when not needed."""
    status = kb.status()
    documents = getattr(status, "documents", 0)
    count = documents if isinstance(documents, int) else len(documents or [])
    if count:
        return None
    if getattr(status, "degraded", ""):  # real data may be there: never rebuild over it
        why = f"the index is not whole ({status.degraded})"
        click.echo(f"warning: {why}; the starter knowledge base is not indexed over it", err=True)
        click.echo(
            "  索引不完整，未自动建立初始索引；请运行 careercoach kb check --repair", err=True
        )
        return None
    if not folder.is_dir():
        click.echo(
            f"warning: starter knowledge base {folder} not found; the index stays empty "
            f"/ 未找到初始知识库 {folder}",
            err=True,
        )
        return None
    click.echo(
        f"indexing the starter knowledge base {folder} (first start) / 首次启动，正在建立索引…",
        err=True,
    )

    def progress(done: int, total: int, path: str) -> None:
        click.echo(f"  [{done}/{total}] {Path(str(path)).name}", err=True)

    report = kb.refresh([folder], progress=progress)
    for item in getattr(report, "files", []):
        if getattr(item, "status", "") in ("failed", "skipped"):
            click.echo(f"  {item.status}: {item.path}: {item.reason}", err=True)
    return report


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default: settings.host).")
@click.option("--port", type=PORT, help="Port (default: settings.port).")
@click.option("--offline", is_flag=True, help="Answer offline even if an LLM is configured.")
@click.option("--no-index", is_flag=True, help="Do not index the starter knowledge base.")
@click.pass_context
def serve(
    ctx: click.Context, host: str | None, port: int | None, offline: bool, no_index: bool
) -> None:
    """启动网页应用 / Start the web app (chat at /, /counselor, /maintainer, REST API at /api)."""
    import os

    settings = settings_of(ctx)
    os.umask(0o077)  # database, uploads, index and temporary files: readable by this user only
    from ui.offline import prepare_gradio, secure_home

    secure_home(settings)
    prepare_gradio(settings)  # before gradio is imported
    import uvicorn

    from ui.app import build_app, build_services

    updates: dict[str, Any] = {}
    if host:
        updates["host"] = host
    if port:
        updates["port"] = port
    if offline:
        updates["offline"] = True
    settings = settings.model_copy(update=updates)
    ensure_port_free(settings.host, settings.port)
    services = build_services(settings)
    if not no_index:
        index_if_empty(services.kb, starter_dir(settings.starter_kb_dir))
    app = build_app(settings, services)
    if settings.retention_purge:
        from bot.retention import PurgeSchedule

        PurgeSchedule(services.store.purge, settings.retention_days).start()
    mode = "LLM" if settings.llm_configured else "offline / 离线模式"
    url = f"http://{settings.host}:{settings.port}/"
    click.echo(f"careercoach is serving {url} ({mode}); counselors and maintainers: {url}login")
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        proxy_headers=False,
        server_header=False,
    )


commands = [serve]
