"""``careercoach users …`` and ``careercoach transcripts …``: accounts and transcripts by hand.

Thin commands over :class:`bot.store.Store`: add, list and remove counselor and maintainer
accounts (passwords prompted twice or read from standard input), list, show, export and purge
transcripts with the same filters as the counselor view. The store is imported inside each
command so ``careercoach --help`` stays fast.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.cli import settings_of
from bot.cli.params import ISO_DATE
from bot.errors import CareerCoachError

if TYPE_CHECKING:
    from bot.store import Store, TranscriptFilter

_DURATION = re.compile(r"^\s*(\d+)\s*(d|天|w|周|mo|月|个月|y|年)\s*$")
_TICK = timedelta(microseconds=1)
_DAYS = {"d": 1, "天": 1, "w": 7, "周": 7, "mo": 30, "月": 30, "个月": 30, "y": 365, "年": 365}


def parse_duration(text: str) -> timedelta:
    """``180d``, ``26w``, ``6mo`` (30 days a month), ``1y``; Chinese 天, 周, 月, 年 too.

    Minutes and hours are refused (``6m`` once meant six minutes to some and six months to
    others), and so are bare numbers and zero: a retention period is at least one day."""
    match = _DURATION.match(text.lower())
    if not match or int(match.group(1)) == 0:
        raise click.BadParameter(
            f"{text!r} is not a retention period: write a number of days, weeks, months or years "
            f"such as 180d, 26w, 6mo, 1y (at least 1d) / 保留期限应写成 180d、26w、6mo（或 6月）、"
            f"1y 这样的格式，至少 1 天",
            param_hint="--older-than",
        )
    return timedelta(days=int(match.group(1)) * _DAYS[match.group(2)])


def _open_store() -> Store:
    from bot.store import Store

    return Store(settings_of(click.get_current_context()))


# --- users ---------------------------------------------------------------------------------
@click.group()
def users() -> None:
    """管理辅导员与维护者账号 / manage counselor and maintainer accounts."""


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(
        click.prompt("Password / 密码", hide_input=True, confirmation_prompt="Repeat / 再次输入")
    )


@users.command("add")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(["counselor", "maintainer"]), default="counselor", show_default=True
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add(name: str, role: str, password_stdin: bool) -> None:
    """Add an account; the password is prompted twice unless --password-stdin."""
    password = _read_password(password_stdin)
    with _open_store() as store:
        user = store.add_user(name, role, password)  # type: ignore[arg-type]
    click.echo(f"added {user.name} ({user.role})")


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_passwd(name: str, password_stdin: bool) -> None:
    """Set a new password for an account."""
    password = _read_password(password_stdin)
    with _open_store() as store:
        store.set_password(name, password)
    click.echo(f"password changed for {name}")


@users.command("list")
def users_list() -> None:
    """List accounts: name, role, created, last login."""
    with _open_store() as store:
        accounts = store.list_users()
    if not accounts:
        click.echo("no accounts yet; add one with `careercoach users add NAME --role counselor`")
        return
    for user in accounts:
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "never"
        click.echo(f"{user.name}\t{user.role}\t{user.created_at:%Y-%m-%d}\tlast login {last}")


@users.command("remove")
@click.argument("name")
def users_remove(name: str) -> None:
    """Remove an account."""
    with _open_store() as store:
        store.remove_user(name)
    click.echo(f"removed {name}")


# --- transcripts ---------------------------------------------------------------------------
def filter_options(command: Any) -> Any:
    """The counselor view's filters as options (shared by list and export)."""
    options = [
        click.option(
            "--from", "date_from", type=ISO_DATE, help="First day (CAREERCOACH_TIME_ZONE)."
        ),
        click.option("--to", "date_to", type=ISO_DATE, help="Last day, included."),
        click.option("--intent", help="policy, planning, distress, out_of_scope …"),
        click.option("--abstained/--answered", default=None, help="Any turn abstained, or none."),
        click.option("--negative-feedback/--no-negative-feedback", default=None),
        click.option("--flagged/--unflagged", default=None),
        click.option("--text", help="Text in a question or an answer."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _filter(kwargs: dict[str, Any], limit: int | None, offset: int = 0) -> TranscriptFilter:
    """The filter, with ``--from``/``--to`` days read in the configured time zone."""
    from bot.store import TranscriptFilter

    zone = settings_of(click.get_current_context()).zone
    start, end = kwargs["date_from"], kwargs["date_to"]
    return TranscriptFilter(
        date_from=datetime.combine(start, time.min, zone) if start else None,
        # the last day is included: up to the last microsecond before the next midnight
        date_to=datetime.combine(end + timedelta(days=1), time.min, zone) - _TICK if end else None,
        intent=kwargs["intent"],
        abstained=kwargs["abstained"],
        negative_feedback=kwargs["negative_feedback"],
        flagged=kwargs["flagged"],
        text=kwargs["text"],
        limit=limit,
        offset=offset,
    )


@click.group()
def transcripts() -> None:
    """查看、导出、清理对话记录 / list, export and purge transcripts."""


@transcripts.command("list")
@filter_options
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
def transcripts_list(limit: int, offset: int, **kwargs: Any) -> None:
    """List conversations, newest first; times in CAREERCOACH_TIME_ZONE."""
    zone = settings_of(click.get_current_context()).zone
    with _open_store() as store:
        rows = store.list_conversations(_filter(kwargs, limit, offset))
    for row in rows:
        marks = "⚑ " if row.flagged else ""
        if row.negative_feedback:
            marks += f"👎{row.negative_feedback} "
        click.echo(
            f"{row.id}\t{row.updated_at.astimezone(zone):%Y-%m-%d %H:%M}\t{row.turn_count} turns\t"
            f"{','.join(row.intents)}\t{marks}{row.first_question}"
        )


@transcripts.command("show")
@click.argument("conversation_id", type=int)
def transcripts_show(conversation_id: int) -> None:
    """Print one conversation as JSON (turns, citations, feedback, annotations, flags)."""
    with _open_store() as store:
        conversation = store.get_conversation(conversation_id)
    click.echo(conversation.model_dump_json(indent=2))


@transcripts.command("export")
@filter_options
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout.")
def transcripts_export(fmt: str, output: Path | None, **kwargs: Any) -> None:
    """Export the selected transcripts, one record per turn."""
    with _open_store() as store:
        text = store.export(_filter(kwargs, None), fmt=fmt)  # type: ignore[arg-type]
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CareerCoachError(
            f"--output {output}: cannot write ({error.strerror}); give a file in a folder that "
            "exists and that you may write to",
            message_zh=f"--output {output}：无法写入（{error.strerror}），"
            "请换到一个存在且可写的目录",
        ) from None
    turns, conversations = _counted(text, fmt)
    click.echo(
        f"wrote {turns} turns of {conversations} conversations to {output} "
        f"/ 已写入 {conversations} 个对话的 {turns} 轮",
        err=True,
    )


def _counted(text: str, fmt: str) -> tuple[int, int]:
    """(turns, conversations) in an export: records are parsed, not lines counted (an answer
    holds newlines, which CSV keeps inside quoted cells)."""
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return len(rows), len({str(row["conversation_id"]) for row in rows})


@transcripts.command("purge")
@click.option(
    "--older-than", help="e.g. 180d, 26w, 6mo, 1y; default: CAREERCOACH_RETENTION_DAYS days."
)
@click.option("--yes", "-y", is_flag=True, help="Delete without asking.")
def transcripts_purge(older_than: str | None, yes: bool) -> None:
    """Delete conversations with no activity for longer than the retention period."""
    settings = settings_of(click.get_current_context())
    age = parse_duration(older_than) if older_than else timedelta(days=settings.retention_days)
    with _open_store() as store:
        due = store.purgeable(age)
        if due == 0:
            click.echo(
                f"no conversation is older than {age.days} days / 没有超过 {age.days} 天的对话"
            )
            return
        if not yes:
            question = (
                f"delete {due} conversations with no activity for {age.days} days? "
                f"/ 删除 {due} 个超过 {age.days} 天无活动的对话？"
            )
            click.confirm(question, abort=True)
        count = store.purge(age)
    click.echo(f"purged {count} conversations older than {age.days} days / 已删除 {count} 个对话")


commands = [users, transcripts]
