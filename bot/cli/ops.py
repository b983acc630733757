"""``careercoach doctor``, ``backup``, ``restore`` and ``store migrate``: running an installation.

Thin commands over :mod:`bot.doctor`, :mod:`bot.backup` and :mod:`bot.store.migrate`; each is
described, with its output, in docs/DEPLOY.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli import settings_of

_MARK = {"ok": "✓", "warn": "!", "fail": "✗"}


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """检查安装与模型接口 / check the installation and the LLM endpoint; exit 1 on a failure."""
    from bot.doctor import run_checks

    checks = run_checks(settings_of(ctx))
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in checks], ensure_ascii=False, indent=2))
    else:
        for c in checks:
            click.echo(f"{_MARK[c.level]} {c.name:<11} {c.message}")
            if c.level != "ok" and c.message_zh and c.message_zh != c.message:
                click.echo(f"  {'':<11} {c.message_zh}")
            if c.fix and c.level != "ok":
                click.echo(f"  {'':<11} → {c.fix}")
    if any(c.level == "fail" for c in checks):
        raise click.exceptions.Exit(1)


@click.command("backup")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.pass_context
def backup_cmd(ctx: click.Context, folder: Path) -> None:
    """备份索引、向量缓存、数据库与密钥 / back up the index, cache, store and secrets to FOLDER."""
    from bot.backup import backup

    report = backup(settings_of(ctx), folder)
    click.echo(
        f"backed up {report.files} files ({report.bytes / 1e6:.1f} MB) to {report.folder} "
        f"/ 已备份 {report.files} 个文件"
    )
    for item in report.left_out:
        click.echo(f"not included / 未包含: {item}", err=True)


@click.command("restore")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--force", is_flag=True, help="Move a home that holds data aside, then restore.")
@click.pass_context
def restore_cmd(ctx: click.Context, folder: Path, force: bool) -> None:
    """从备份恢复到 CAREERCOACH_HOME / restore a backup into CAREERCOACH_HOME (stop serve first)."""
    from bot.backup import restore

    settings = settings_of(ctx)
    count, aside = restore(settings, folder, force=force)
    click.echo(f"restored {count} files into {settings.home} / 已恢复 {count} 个文件")
    if aside is not None:
        click.echo(f"the previous home is kept at {aside} / 原目录保留在 {aside}")


@click.group("store")
def store_group() -> None:
    """数据库：迁移 / the transcript and account database."""


@store_group.command("migrate")
@click.option("--to", "target", required=True, help="SQLAlchemy URL of the new, empty database.")
@click.pass_context
def migrate_cmd(ctx: click.Context, target: str) -> None:
    """把当前数据库复制到新库 / copy the store (e.g. SQLite) into another database (PostgreSQL)."""
    from bot.store.migrate import migrate

    report = migrate(settings_of(ctx).sqlalchemy_url, target)
    for table, rows in report.rows.items():
        click.echo(f"  {table:<16} {rows:>7} rows")
    total = sum(report.rows.values())
    click.echo(f"copied {total} rows / 已复制 {total} 行; now set CAREERCOACH_DATABASE_URL to it")
    for table in report.unknown_tables:
        click.echo(f"not copied (unknown to this version) / 未复制: {table}", err=True)


commands = [doctor, backup_cmd, restore_cmd, store_group]
