"""``careercoach …``: the command-line entry point.

The group loads settings from the environment once, configures logging, and hands the
``Settings`` to each command through the click context. Each command group lives in its own
module of this package (``kb``, ``ask``, ``plan`` …) and stays a thin adapter over ``bot/``.
Only :class:`bot.errors.CareerCoachError` is caught here; anything else is a bug and propagates.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from bot.errors import CareerCoachError
from bot.privacy import install_log_redaction
from bot.settings import Settings, load_settings

# Modules of this package that define a ``commands`` list of click commands or groups.
COMMAND_MODULES: list[str] = ["serve", "evals", "admin", "kb", "plan", "ask", "ingest"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    package_name="careercoach", prog_name="careercoach", message="%(prog)s %(version)s"
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """careercoach：面向高校毕业生的就业政策问答与职业规划助手 / a career coach for graduates."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    install_log_redaction()  # no phone number or ID number reaches a log
    ctx.obj = load_settings()


def settings_of(ctx: click.Context) -> Settings:
    """The settings the group loaded, for commands."""
    settings = ctx.find_root().obj
    assert isinstance(settings, Settings)
    return settings


def _register() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"bot.cli.{name}")
        for command in module.commands:
            cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user-facing errors print their message and exit with status 2."""
    _register()
    try:
        # without standalone mode click returns (not raises) the code of an Exit from a command
        code = cli.main(args=argv, standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as bad:
        bad.show()
        return bad.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except CareerCoachError as error:
        click.echo(f"error: {error.message}", err=True)
        return 2
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
