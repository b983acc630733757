"""Option types shared by the commands, with errors in Chinese and English."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from bot.errors import CareerCoachError


class IsoDate(click.ParamType):
    """A calendar day written ``YYYY-MM-DD``; anything else names the option and the form."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(
                f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2026-09-01 "
                f"/ {value!r} 不是有效日期，请写成 2026-09-01 这样的格式",
                param,
                ctx,
            )


ISO_DATE = IsoDate()


def writable_folder(folder: Path, option: str) -> None:
    """Create ``folder`` if needed; a folder that cannot be made or written names ``option``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".careercoach-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise CareerCoachError(
            f"{option} {folder}: cannot write there ({error.strerror}); choose a folder you may "
            "write to",
            message_zh=f"{option} {folder}：无法写入（{error.strerror}），请换一个可写的目录",
        ) from None


class Port(click.ParamType):
    """A TCP port, 1 to 65535."""

    name = "PORT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            port = int(value)
        except (TypeError, ValueError):
            port = 0
        if not 1 <= port <= 65535:
            self.fail(
                f"{value!r} is not a port; give a number from 1 to 65535, e.g. 7860 "
                f"/ 端口应为 1 到 65535 之间的数字，例如 7860",
                param,
                ctx,
            )
        return port


PORT = Port()
