"""``careercoach ask "…"`` and ``careercoach chat``: the answering engine in a terminal.

Thin adapters over the coach of :func:`bot.app.build_app` (the web app's wiring, planner
included). A home whose index is empty gets the starter knowledge base first, as ``serve``
does. ``ask --json`` prints the Answer fields
as JSON; without it the answer streams to the terminal followed by its sources and warnings.
``chat`` keeps the conversation so follow-ups work; an empty line or ``/exit`` ends it. The
engine (and with it the knowledge base and the chat model) is imported inside the commands.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from bot.cli import settings_of

if TYPE_CHECKING:
    from bot.chat.coach import Coach
    from bot.chat.models import Answer, Turn


def _coach(ctx: click.Context, offline: bool, index: bool = True) -> Coach:
    """The coach over the home's knowledge base, with the planning interview as in the web app;
    an empty one gets the starter knowledge base first, as ``serve`` does (messages on stderr,
    so ``--json`` output stays JSON)."""
    from bot.app import build_app
    from bot.cli.serve import index_if_empty, starter_dir
    from bot.knowledge.base import KnowledgeBase

    settings = settings_of(ctx)
    if offline:
        settings = settings.model_copy(update={"offline": True})
    kb = KnowledgeBase(settings)
    if index:
        index_if_empty(kb, starter_dir(settings.starter_kb_dir))
    return build_app(settings, kb).coach


def _print_stream(coach: Coach, message: str, history: list[Turn], lang: str | None) -> Answer:
    from bot.chat.sources import format_sources

    streamed: list[str] = []
    final = None
    for event in coach.stream(message, history, lang):
        if event.answer is not None:
            final = event.answer
        elif event.delta:
            streamed.append(event.delta)
            click.echo(event.delta, nl=False)
    assert final is not None
    if "".join(streamed) != final.answer:
        # The check changed the streamed draft: show the checked text.
        click.echo("\n" + "-" * 40)
        click.echo(final.answer, nl=False)
    click.echo()
    if final.citations:
        click.echo("\n" + ("来源：" if final.lang == "zh" else "Sources:"))
        click.echo(format_sources(final.citations, final.lang))
    for warning in final.warnings:
        click.secho(("注意：" if final.lang == "zh" else "Warning: ") + warning, fg="yellow")
    return final


@click.command("ask")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the Answer fields as JSON.")
@click.option("--offline", is_flag=True, help="Answer extractively even if an LLM is configured.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Answer language (default: auto).")
@click.option("--no-index", is_flag=True, help="Do not index the starter knowledge base.")
@click.pass_context
def ask_cmd(
    ctx: click.Context,
    question: str,
    as_json: bool,
    offline: bool,
    lang: str | None,
    no_index: bool,
) -> None:
    """回答一个问题并注明出处 / answer one question with cited sources."""
    coach = _coach(ctx, offline, not no_index)
    if as_json:
        answer = coach.answer(question, [], lang)
        click.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        _print_stream(coach, question, [], lang)


@click.command("chat")
@click.option("--offline", is_flag=True, help="Answer extractively even if an LLM is configured.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Answer language (default: auto).")
@click.option("--no-index", is_flag=True, help="Do not index the starter knowledge base.")
@click.pass_context
def chat_cmd(ctx: click.Context, offline: bool, lang: str | None, no_index: bool) -> None:
    """在终端里对话（空行或 /exit 结束）/ a conversation in the terminal."""
    from bot.chat.models import Turn

    coach = _coach(ctx, offline, not no_index)
    history: list[Turn] = []
    click.echo("职引 careercoach — 空行或 /exit 结束 / empty line or /exit to quit")
    while True:
        try:
            message = click.prompt(">", default="", show_default=False, prompt_suffix=" ")
        except (EOFError, click.exceptions.Abort):
            break
        if not message.strip() or message.strip() == "/exit":
            break
        answer = _print_stream(coach, message, history, lang)
        history += [Turn(role="user", text=message), Turn(role="assistant", text=answer.answer)]
        click.echo()


commands = [ask_cmd, chat_cmd]
