"""``careercoach inspect FILE``: show how one source file is read, without indexing it.

For maintainers asking "why does this file fail" or "what will be cited": the detected type,
the metadata (and where each value came from is the sidecar, front matter or the text), every
block with its page and section path, and the chunks the index would store. A file that cannot
be read prints its status and reason in Chinese and English and exits with status 1. The
loaders (pypdf, python-docx, BeautifulSoup) are imported inside the command.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli import settings_of


@click.command("inspect")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--chunks", "show_chunks", is_flag=True, help="Also list the chunks.")
@click.option("--json", "as_json", is_flag=True, help="Print the document (and chunks) as JSON.")
@click.option("--width", default=60, show_default=True, help="Characters of text shown a line.")
@click.pass_context
def inspect_cmd(
    ctx: click.Context, path: Path, show_chunks: bool, as_json: bool, width: int
) -> None:
    """查看一个文件会被如何读取和切块（不写入索引）/ show how a file is read and chunked."""
    from bot.errors import IngestError
    from bot.knowledge.chunking import chunk_document
    from bot.knowledge.loaders import load_source

    settings = settings_of(ctx)
    try:
        doc = load_source(path, max_bytes=int(settings.max_file_mb * 1_000_000))
    except IngestError as error:
        status_zh = "已跳过" if error.status == "skipped" else "失败"
        click.echo(f"{status_zh} / {error.status}: {error.reason_zh}", err=True)
        if error.reason_zh != error.reason:
            click.echo(f"  {error.reason}", err=True)
        raise click.exceptions.Exit(1) from error
    chunks = chunk_document(
        doc, chunk_tokens=settings.chunk_tokens, overlap_tokens=settings.chunk_overlap
    )
    if as_json:
        payload = doc.model_dump(mode="json")
        if show_chunks:
            payload["chunks"] = [c.model_dump(mode="json") for c in chunks]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    click.echo(f"{doc.path}  [{doc.file_type}]  doc_id={doc.doc_id}")
    for name, value in doc.meta.model_dump(exclude_defaults=True).items():
        click.echo(f"  {name}: {value}")
    for note in doc.notes:  # OCR pages and confidence, unverified contacts, web forms
        click.echo(f"  note: {note}")
    click.echo(f"{len(doc.blocks)} blocks / 段落, {len(chunks)} chunks / 片段")
    for block in doc.blocks:
        page = f"p{block.page} " if block.page else ""
        section = " / ".join(block.section_path[-2:])
        click.echo(f"  {page}[{section}] {_cut(block.text, width)}")
    if show_chunks:
        for chunk in chunks:
            page = f"p{chunk.page} " if chunk.page else ""
            click.echo(
                f"  #{chunk.ordinal} {page}{chunk.token_count} tok [{chunk.section}] "
                f"{_cut(chunk.text, width)}"
            )


def _cut(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


commands = [inspect_cmd]
