"""Option types shared by the commands, with errors in Chinese and English."""

from __future__ import annotations

from datetime import date
from typing import Any

import click


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
