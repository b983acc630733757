"""``careercoach doctor``, ``backup``, ``restore`` and ``store migrate``: running an installation.

Thin commands over :mod:`bot.doctor`, :mod:`bot.backup` and :mod:`bot.store.migrate`; each is
described, with its output, in docs/DEPLOY.md.
"""

from __future__ import annotations

import json

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
            if c.message_zh and c.message_zh != c.message:
                click.echo(f"  {'':<11} {c.message_zh}")
            if c.fix and c.level != "ok":
                click.echo(f"  {'':<11} → {c.fix}")
    if any(c.level == "fail" for c in checks):
        raise click.exceptions.Exit(1)


commands = [doctor]
