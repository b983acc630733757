"""The counselor dashboard counts days of the configured zone, up to today in that zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.chat.models import Answer
from bot.settings import Settings
from tests.ui_fakes import make_services
from ui.dashboard import PERIODS, Dashboard

# UTC+14 and UTC-12: 26 hours apart, so at any moment their dates differ, and at any moment one
# of them is on another date than UTC (the machine's clock on a server)
ZONES = ["Pacific/Kiritimati", "Etc/GMT+12"]


def test_today_is_the_date_in_the_configured_zone(tmp_path: Path) -> None:
    days = {}
    for zone in ZONES:
        before = datetime.now(ZoneInfo(zone)).date()
        days[zone] = Settings(home=tmp_path, time_zone=zone).today()
        assert days[zone] in {before, datetime.now(ZoneInfo(zone)).date()}  # (a midnight between)
    assert days["Pacific/Kiritimati"] - days["Etc/GMT+12"] in (timedelta(days=1), timedelta(days=2))


@pytest.mark.parametrize("zone", ZONES)
def test_a_conversation_of_just_now_is_counted_whatever_the_utc_date(
    tmp_path: Path, zone: str
) -> None:
    services, _coach, _kb, store = make_services(Settings(home=tmp_path, time_zone=zone))
    try:
        session = store.ensure_session("session-" + "c" * 16)
        store.add_exchange(session, "补贴怎么领？", Answer(answer="可以申请。"), 900)
        for period in PERIODS:
            totals, _charts, intents, _groups = Dashboard(services).figures(period)
            assert totals.startswith("**1** 个对话"), (period, totals)
            assert sum(row[1] for row in intents) == 1, (period, intents)
    finally:
        store.close()
