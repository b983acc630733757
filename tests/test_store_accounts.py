"""Accounts on real SQLite and real PostgreSQL: argon2 hashes, login, throttling, hashing bound."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from bot.errors import AuthError, LoginThrottled, NotFoundError, ValidationFailed
from bot.settings import Settings
from bot.store import LoginThrottle, Step, Store

# Real argon2id with small costs, so the many logins below stay quick; the product's default
# parameters are checked once in test_default_hasher_is_argon2id_with_library_defaults.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[Store]:
    with Store.from_url(database_url, clock=clock, hasher=FAST) as opened:
        opened.add_user("Li.Hua", "counselor", "correct horse 1")
        yield opened


def test_users_add_list_remove(store: Store) -> None:
    store.add_user("admin", "maintainer", "maintainer-pass")
    assert [(u.name, u.role) for u in store.list_users()] == [
        ("admin", "maintainer"),
        ("li.hua", "counselor"),
    ]
    store.remove_user("ADMIN")
    assert [u.name for u in store.list_users()] == ["li.hua"]
    with pytest.raises(NotFoundError):
        store.remove_user("admin")


def test_bad_accounts_are_refused_with_both_languages(store: Store) -> None:
    with pytest.raises(ValidationFailed) as dup:
        store.add_user("li.hua", "maintainer", "another-pass")
    assert "already exists" in dup.value.message and "已存在" in dup.value.message_zh
    with pytest.raises(ValidationFailed) as short:
        store.add_user("wang", "counselor", "short")
    assert "8" in short.value.message and "密码" in short.value.message_zh
    with pytest.raises(ValidationFailed):
        store.add_user("wang", "admin", "long enough pass")  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        store.add_user("has space", "counselor", "long enough pass")


def test_passwords_are_salted_argon2id_hashes(store: Store) -> None:
    store.add_user("wang", "counselor", "correct horse 1")
    with store.engine.connect() as conn:
        hashes = [r[0] for r in conn.execute(text("SELECT password_hash FROM users"))]
    assert len(hashes) == 2 and all(h.startswith("$argon2id$") for h in hashes)
    assert hashes[0] != hashes[1]  # same password, different salt
    assert all("correct horse" not in h for h in hashes)


def test_login_right_and_wrong(store: Store, clock: Clock) -> None:
    user = store.authenticate(" LI.HUA ", "correct horse 1", client="10.0.0.8")
    assert user.name == "li.hua" and user.role == "counselor" and user.has_role("counselor")
    assert not user.has_role("maintainer")
    assert store.list_users()[0].last_login_at == clock.now
    with pytest.raises(AuthError) as wrong:
        store.authenticate("li.hua", "correct horse 2", client="10.0.0.8")
    with pytest.raises(AuthError) as unknown:
        store.authenticate("nobody", "correct horse 1", client="10.0.0.8")
    # the same words whether the name exists or not
    assert wrong.value.message == unknown.value.message
    assert wrong.value.message_zh == unknown.value.message_zh == "用户名或密码错误"


def _fail(store: Store, name: str, client: str, clock: Clock, times: int) -> None:
    """``times`` wrong passwords, each waiting exactly as long as the throttle asks."""
    for _ in range(times):
        try:
            store.authenticate(name, "guess", client=client)
        except LoginThrottled as early:
            clock.now += timedelta(seconds=early.retry_after_s)
            with pytest.raises(AuthError, match="wrong"):
                store.authenticate(name, "guess", client=client)
        except AuthError:
            pass


def test_failures_slow_the_guesser_down_with_growing_delays(store: Store, clock: Clock) -> None:
    waits = []  # the wait asked for before each wrong guess
    for _ in range(8):
        try:
            store.authenticate("li.hua", "guess", client="203.0.113.5")
            raise AssertionError("a wrong password was accepted")
        except LoginThrottled as early:
            waits.append(early.retry_after_s)
            clock.now += timedelta(seconds=early.retry_after_s)
            with pytest.raises(AuthError, match="wrong"):  # the refused try was not counted
                store.authenticate("li.hua", "guess", client="203.0.113.5")
        except AuthError:
            waits.append(0)
    # 3 free guesses, then a wait that doubles with every further failure
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32]
    with pytest.raises(LoginThrottled) as early:
        store.authenticate("li.hua", "correct horse 1", client="203.0.113.5")
    assert "seconds" in early.value.message and "秒后再试" in early.value.message_zh


def test_no_lock_out_the_real_user_waits_at_most_a_minute(store: Store, clock: Clock) -> None:
    """40 wrong guesses spread over many addresses, then 40 from one: the user gets in."""
    for n in range(40):
        _fail(store, "li.hua", f"198.51.100.{n}", clock, 1)
    _fail(store, "li.hua", "203.0.113.5", clock, 40)
    try:
        user = store.authenticate("li.hua", "correct horse 1", client="10.0.0.8")
    except LoginThrottled as early:
        assert early.retry_after_s <= 60  # the per-name delay's ceiling, never a lock
        clock.now += timedelta(seconds=early.retry_after_s)
        user = store.authenticate("li.hua", "correct horse 1", client="10.0.0.8")
    assert user.name == "li.hua"
    # after a success the name's delay is gone; the guesser's own pair delay stays
    assert store.authenticate("li.hua", "correct horse 1", client="10.0.0.9").name == "li.hua"
    with pytest.raises(LoginThrottled):
        store.authenticate("li.hua", "correct horse 1", client="203.0.113.5")


def test_refused_attempts_cost_no_hashing_and_success_resets(database_url: str) -> None:
    clock = Clock()
    counting = CountingHasher()
    with Store.from_url(database_url, clock=clock, hasher=counting) as store:
        store.add_user("li.hua", "counselor", "correct horse 1")
        for _ in range(3):
            with pytest.raises(AuthError, match="wrong"):
                store.authenticate("li.hua", "guess", client="c1")
        verified = counting.verified
        for _ in range(5):
            with pytest.raises(LoginThrottled):
                store.authenticate("li.hua", "guess", client="c1")
        assert counting.verified == verified  # refused before any argon2 work
        clock.now += timedelta(minutes=1)
        store.authenticate("li.hua", "correct horse 1", client="c1")
        for _ in range(3):  # a success starts the count again
            with pytest.raises(AuthError, match="wrong"):
                store.authenticate("li.hua", "guess", client="c1")


def test_delays_hold_across_store_objects(database_url: str, store: Store, clock: Clock) -> None:
    _fail(store, "li.hua", "c1", clock, 4)
    other_process = Store.from_url(database_url, clock=clock, hasher=FAST)
    with other_process, pytest.raises(LoginThrottled):
        other_process.authenticate("li.hua", "correct horse 1", client="c1")


def test_one_client_trying_many_names_is_slowed(database_url: str, clock: Clock) -> None:
    policy = LoginThrottle(client=Step(free=5, first_s=1, cap_s=300, window=timedelta(hours=1)))
    with Store.from_url(database_url, clock=clock, login_policy=policy, hasher=FAST) as store:
        store.add_user("zhao", "maintainer", "zhao password")
        for n in range(5):
            with pytest.raises(AuthError, match="wrong"):
                store.authenticate(f"name{n}", "guess", client="10.1.0.1")
        with pytest.raises(LoginThrottled):
            store.authenticate("zhao", "zhao password", client="10.1.0.1")
        assert store.authenticate("zhao", "zhao password", client="10.1.0.2").name == "zhao"


def test_failed_logins_are_listed_for_the_maintainer(store: Store, clock: Clock) -> None:
    _fail(store, "li.hua", "203.0.113.5", clock, 4)
    clock.now += timedelta(minutes=1)
    _fail(store, "nobody", "198.51.100.1", clock, 2)
    store.authenticate("li.hua", "correct horse 1", client="10.0.0.8")
    rows = store.login_failures(timedelta(days=1))
    assert [(r.name, r.client, r.failures) for r in rows] == [
        ("nobody", "198.51.100.1", 2),
        ("li.hua", "203.0.113.5", 4),
    ]
    assert rows[0].last_at <= clock.now and rows[1].first_at < rows[1].last_at


def test_concurrent_password_hashing_is_bounded(database_url: str) -> None:
    """20 logins at once: never more than max_concurrent_password_hashes argon2 runs at a time."""
    from concurrent.futures import ThreadPoolExecutor

    counting = CountingHasher(hold=True)
    with Store.from_url(database_url, hasher=counting) as store:  # default: 2 at once
        store.add_user("li.hua", "counselor", "correct horse 1")
        with ThreadPoolExecutor(max_workers=20) as pool:
            futures = [
                pool.submit(_try_login, store, f"invented{n}", f"10.9.0.{n}") for n in range(20)
            ]
            assert counting.two_running.wait(30), "two hashes never ran at once"
            counting.hold.set()  # let them all finish
            results = [f.result(timeout=60) for f in futures]
    assert results == ["wrong"] * 20
    assert counting.peak == 2


def _try_login(store: Store, name: str, client: str) -> str:
    try:
        store.authenticate(name, "guess", client=client)
    except LoginThrottled:
        return "throttled"
    except AuthError:
        return "wrong"
    return "ok"


class CountingHasher(PasswordHasher):
    """FAST argon2 that counts verifications and the most running at once."""

    def __init__(self, hold: bool = False) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0
        self.running = 0
        self.peak = 0
        self.hold = threading.Event()  # verifications wait on it when ``hold``
        if not hold:
            self.hold.set()
        self.two_running = threading.Event()
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self._lock:
            self.verified += 1
            self.running += 1
            self.peak = max(self.peak, self.running)
            if self.running >= 2:
                self.two_running.set()
        try:
            self.hold.wait(30)
            return super().verify(hash, password)
        finally:
            with self._lock:
                self.running -= 1


def test_default_hasher_is_argon2id_with_library_defaults(settings: Settings) -> None:
    with Store(settings) as store:
        store.add_user("qian", "counselor", "a long password")
        assert store.authenticate("qian", "a long password").name == "qian"
        with store.engine.connect() as conn:
            stored = conn.execute(text("SELECT password_hash FROM users")).scalar()
    defaults = PasswordHasher()
    assert stored.startswith("$argon2id$")
    assert f"m={defaults.memory_cost},t={defaults.time_cost},p={defaults.parallelism}" in stored


def test_weak_hash_is_upgraded_on_login(database_url: str, clock: Clock) -> None:
    with Store.from_url(database_url, clock=clock, hasher=FAST) as weak:
        weak.add_user("sun", "counselor", "sun password")
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    with Store.from_url(database_url, clock=clock, hasher=stronger) as store:
        store.authenticate("sun", "sun password")
        with store.engine.connect() as conn:
            stored = conn.execute(text("SELECT password_hash FROM users")).scalar()
    assert "m=2048,t=2,p=1" in stored
