"""``careercoach eligible`` and ``careercoach plan``: thin commands over ``bot.planning``.

Both take a profile from ``--profile me.yaml`` or a description (``--describe "本科会计专业，
甘肃人…"``) and the catalogue from ``--catalogue`` (default ``knowledge/resources.yaml``).
With a chat model configured the description is read by the model and the plan gains personal
advice; otherwise everything runs offline.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click

from bot.cli import settings_of
from bot.cli.params import ISO_DATE
from bot.errors import CareerCoachError


def _inputs(
    profile_path: Path | None,
    describe: str | None,
    catalogue_path: Path | None,
    today: date | None,
    lang: str | None,
) -> tuple[Any, Any, date, Any]:
    from bot.chat.llm import make_chat_model
    from bot.planning.catalogue import load_catalogue
    from bot.planning.extract import profile_from_text
    from bot.planning.profile import load_profile

    if (profile_path is None) == (describe is None):
        raise click.UsageError("give exactly one of --profile FILE or --describe TEXT")
    settings = settings_of(click.get_current_context())
    day = today or date.today()
    llm = make_chat_model(settings)
    if profile_path is not None:
        profile = load_profile(profile_path)
    else:
        assert describe is not None
        profile = profile_from_text(describe, day, llm)
    if lang:
        profile = profile.model_copy(update={"language": lang})
    return profile, load_catalogue(catalogue_path), day, llm


_COMMON = [
    click.option(
        "--profile",
        "profile_path",
        type=click.Path(path_type=Path, exists=True, dir_okay=False),
        help="Profile YAML file / 画像 YAML 文件.",
    ),
    click.option("--describe", help="Describe yourself in a sentence / 用一句话描述自己."),
    click.option(
        "--catalogue",
        "catalogue_path",
        type=click.Path(path_type=Path),
        help="Resource catalogue (default knowledge/resources.yaml).",
    ),
    click.option("--today", type=ISO_DATE, help="Plan as of this day (YYYY-MM-DD); default today."),
    click.option("--lang", type=click.Choice(["zh", "en"]), help="Output language."),
]


def _with_common(command: Any) -> Any:
    for option in reversed(_COMMON):
        command = option(command)
    return command


@click.command("eligible")
@_with_common
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with the profile understood).")
def eligible(
    profile_path: Path | None,
    describe: str | None,
    catalogue_path: Path | None,
    today: date | None,
    lang: str | None,
    as_json: bool,
) -> None:
    """Which programmes, subsidies and services may apply / 可能适用哪些政策与项目."""
    from bot.planning.eligibility import assess

    profile, catalogue, day, _ = _inputs(profile_path, describe, catalogue_path, today, lang)
    language = profile.language or "zh"
    results = assess(profile, catalogue, day)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "profile": profile.model_dump(mode="json", exclude_none=True),
                    "today": day.isoformat(),
                    "results": [r.to_dict(language) for r in results],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    marks = {"likely": "✓", "possible": "?", "unlikely": "✗"}
    for result in results:
        click.echo(
            f"{marks[result.outcome]} {result.resource.name.get(language)} [{result.outcome}]"
        )
        click.echo(f"    {result.note(language)}")


@click.command("plan")
@_with_common
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--markdown", "as_markdown", is_flag=True, help="Print Markdown (the default).")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the Markdown plan to this file.",
)
def plan(
    profile_path: Path | None,
    describe: str | None,
    catalogue_path: Path | None,
    today: date | None,
    lang: str | None,
    as_json: bool,
    as_markdown: bool,
    output: Path | None,
) -> None:
    """A plan from now to two years after leaving school / 从现在到毕业后两年的规划."""
    from bot.planning.plan import make_plan, render_markdown

    if as_json and as_markdown:
        raise click.UsageError("choose one of --json and --markdown")
    profile, catalogue, day, llm = _inputs(profile_path, describe, catalogue_path, today, lang)
    result = make_plan(profile, catalogue, day, llm=llm, lang=profile.language)
    markdown = render_markdown(result)
    if output is not None:
        try:
            output.write_text(markdown, encoding="utf-8")
        except OSError as error:
            raise CareerCoachError(
                f"-o {output}: cannot write the plan ({error.strerror}); give a file in a folder "
                "that exists and that you may write to",
                message_zh=f"-o {output}：无法写入规划（{error.strerror}），"
                "请换到一个存在且可写的目录",
            ) from None
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(markdown)


commands = [eligible, plan]
