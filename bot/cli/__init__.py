"""``careercoach …``: the command-line entry point.

The group loads settings from the environment once, configures logging, and hands the
``Settings`` to each command through the click context. Each command group lives in its own
module of this package (``kb``, ``ask``, ``plan`` …) and stays a thin adapter over ``bot/``.
:class:`bot.errors.CareerCoachError` prints its one line in English and Chinese; failures of
the user's world (database down, driver missing, disk full) are worded by ``failures.py``; any
other exception is a bug and prints one line saying so (its traceback with ``-vv``).
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
COMMAND_MODULES: list[str] = ["serve", "evals", "admin", "kb", "plan", "ask", "ingest", "ops"]
_verbosity = [0]  # -v count of the running command: -vv shows a bug's traceback


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    package_name="careercoach", prog_name="careercoach", message="%(prog)s %(version)s"
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """careercoach：面向高校毕业生的就业政策问答与职业规划助手 / a career coach for graduates."""
    _verbosity[0] = verbose
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


def _show(error: CareerCoachError) -> None:
    both = (
        error.message
        if error.message_zh == error.message
        else (f"{error.message} / 错误：{error.message_zh}")
    )
    click.echo(f"error: {both}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user-facing errors print one line and exit with status 2, bugs with 70."""
    _register()
    _verbosity[0] = 0
    try:
        # without standalone mode click returns (not raises) the code of an Exit from a command
        code = cli.main(args=argv, standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as bad:
        bad.show()
        return bad.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted. / 已取消。", err=True)
        return 1
    except CareerCoachError as error:
        _show(error)
        return 2
    except Exception as error:
        from bot.cli.failures import explain

        known = explain(error)
        if known is not None:
            _show(known)
            return 2
        if _verbosity[0] >= 2:
            raise
        click.echo(
            f"error: unexpected {type(error).__name__}: {error}; this is a bug, run the command "
            "again with -vv to see where and report it / 错误：程序内部错误，请加 -vv 重试并报告",
            err=True,
        )
        return 70
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
