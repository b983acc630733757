"""The purge ``careercoach serve`` schedules: at start, then at every interval, surviving a
failure, stopping when told; and with the real store it deletes only what is past retention."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.chat.models import Answer
from bot.retention import PurgeSchedule
from bot.settings import Settings
from bot.store import Store


def test_purges_at_start_and_at_each_interval_and_survives_a_failure() -> None:
    ages: list[timedelta] = []
    third = threading.Event()

    def purge(age: timedelta) -> int:
        ages.append(age)
        if len(ages) == 2:
            raise RuntimeError("database went away")
        if len(ages) == 3:
            third.set()
        return 0

    schedule = PurgeSchedule(purge, retention_days=30, every_s=0.01).start()
    assert third.wait(30), ages
    schedule.stop()
    assert ages[:3] == [timedelta(days=30)] * 3
    assert not schedule._thread.is_alive()


def test_with_the_store_only_conversations_past_retention_go(settings: Settings) -> None:
    old = datetime.now(UTC) - timedelta(days=40)
    with Store(settings, clock=lambda: old) as past:
        past.add_exchange(past.ensure_session(None), "旧问题", Answer(answer="旧"), 1)
    with Store(settings) as store:
        store.add_exchange(store.ensure_session(None), "新问题", Answer(answer="新"), 1)
        done = threading.Event()

        def purge(age: timedelta) -> int:
            try:
                return store.purge(age)
            finally:
                done.set()

        schedule = PurgeSchedule(purge, retention_days=30).start()
        assert done.wait(30)
        schedule.stop()
        assert [c.first_question for c in store.list_conversations()] == ["新问题"]
