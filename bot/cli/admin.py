"""``careercoach users …`` and ``careercoach transcripts …``: accounts and transcripts by hand.

Thin commands over :class:`bot.store.Store`: add, list and remove counselor and maintainer
accounts (passwords prompted twice or read from standard input), list, show, export and purge
transcripts with the same filters as the counselor view. The store is imported inside each
command so ``careercoach --help`` stays fast.
"""

from __future__ import annotations

import re
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.cli import settings_of

if TYPE_CHECKING:
    from bot.store import Store, TranscriptFilter

_DURATION = re.compile(r"^\s*(\d+)\s*([dhmw]?)\s*$")
_UNITS = {"": "days", "d": "days", "h": "hours", "m": "minutes", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """``180d``, ``12h``, ``30m``, ``2w`` or a bare number of days."""
    match = _DURATION.match(text.lower())
    if not match:
        raise click.BadParameter(
            f"{text!r} is not a duration like 180d, 12h, 2w (时长格式应为 180d、12h、2w)"
        )
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


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
        click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First day."),
        click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last day."),
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
    from bot.store import TranscriptFilter

    def day(value: Any) -> date | None:
        return value.date() if value is not None else None

    return TranscriptFilter(
        date_from=day(kwargs["date_from"]),
        date_to=day(kwargs["date_to"]),
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
    """List conversations, newest first."""
    with _open_store() as store:
        rows = store.list_conversations(_filter(kwargs, limit, offset))
    for row in rows:
        marks = "⚑ " if row.flagged else ""
        if row.negative_feedback:
            marks += f"👎{row.negative_feedback} "
        click.echo(
            f"{row.id}\t{row.updated_at:%Y-%m-%d %H:%M}\t{row.turn_count} turns\t"
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
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {text.count(chr(10)) - (fmt == 'csv')} turns to {output}", err=True)


@transcripts.command("purge")
@click.option("--older-than", help="e.g. 180d, 12h, 2w; default: settings.retention_days.")
def transcripts_purge(older_than: str | None) -> None:
    """Delete conversations with no activity for longer than the retention period."""
    settings = settings_of(click.get_current_context())
    age = parse_duration(older_than) if older_than else timedelta(days=settings.retention_days)
    with _open_store() as store:
        count = store.purge(age)
    click.echo(f"purged {count} conversations older than {age.days} days")


commands = [users, transcripts]
