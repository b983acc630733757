"""Times as the pages show them: in the configured zone (``settings.time_zone``), labelled.

Every time in the store is UTC; every page converts through here, so a conversation of today is
"today" in the same zone that the filters and the dashboard count days in.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

_NAMES = {
    "Asia/Shanghai": ("北京时间", "Beijing time"),
    "Asia/Urumqi": ("乌鲁木齐时间", "Urumqi time"),
    "Asia/Hong_Kong": ("香港时间", "Hong Kong time"),
    "UTC": ("协调世界时", "UTC"),
}


def zone_label(tz: tzinfo, lang: str = "zh") -> str:
    """``北京时间 (UTC+8)`` / ``Beijing time (UTC+8)``; the IANA name for other zones."""
    key = str(tz)
    offset = datetime.now(tz).utcoffset()
    hours = (offset.total_seconds() / 3600) if offset is not None else 0.0
    shown = f"UTC{hours:+g}" if hours else "UTC"
    zh, en = _NAMES.get(key, (key, key))
    name = zh if lang == "zh" else en
    return name if name == shown else f"{name} ({shown})"


def local(moment: datetime | None, tz: tzinfo, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """``moment`` in zone ``tz`` ("" for None)."""
    if moment is None:
        return ""
    return moment.astimezone(tz).strftime(pattern)
