"""Accounts on real SQLite and real PostgreSQL: argon2 hashes, login, and the rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from bot.errors import AuthError, NotFoundError, ValidationFailed
from bot.settings import Settings
from bot.store import LoginPolicy, Store

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


def test_five_failures_lock_name_and_client_until_the_window_passes(
    store: Store, clock: Clock
) -> None:
    for _ in range(5):
        with pytest.raises(AuthError):
            store.authenticate("li.hua", "guess", client="203.0.113.5")
        clock.now += timedelta(minutes=1)
    with pytest.raises(AuthError) as locked:
        store.authenticate("li.hua", "correct horse 1", client="203.0.113.5")
    assert "too many" in locked.value.message
    assert "分钟后再试" in locked.value.message_zh
    # another client is not locked out by this one's failures
    assert store.authenticate("li.hua", "correct horse 1", client="198.51.100.7").name == "li.hua"
    # 15 minutes after the first failure it counts no more: 4 in the window, unlocked
    clock.now = datetime(2026, 6, 1, 8, 15, 1, tzinfo=UTC)
    assert store.authenticate("li.hua", "correct horse 1", client="203.0.113.5").name == "li.hua"


def test_locked_attempts_are_not_counted_and_success_resets(store: Store, clock: Clock) -> None:
    for _ in range(4):
        with pytest.raises(AuthError):
            store.authenticate("li.hua", "guess", client="c1")
    store.authenticate("li.hua", "correct horse 1", client="c1")
    for _ in range(4):  # 4 more after a success: still allowed
        with pytest.raises(AuthError, match="wrong"):
            store.authenticate("li.hua", "guess", client="c1")
    assert store.authenticate("li.hua", "correct horse 1", client="c1").name == "li.hua"


def test_lock_holds_across_store_objects(database_url: str, store: Store, clock: Clock) -> None:
    for _ in range(5):
        with pytest.raises(AuthError):
            store.authenticate("li.hua", "guess", client="c1")
    other_process = Store.from_url(database_url, clock=clock, hasher=FAST)
    with other_process, pytest.raises(AuthError, match="too many"):
        other_process.authenticate("li.hua", "correct horse 1", client="c1")


def test_per_name_limit_across_many_clients(database_url: str, clock: Clock) -> None:
    policy = LoginPolicy(max_failures=5, max_failures_per_name=6)
    with Store.from_url(database_url, clock=clock, login_policy=policy, hasher=FAST) as store:
        store.add_user("zhao", "maintainer", "zhao password")
        for n in range(6):
            with pytest.raises(AuthError, match="wrong"):
                store.authenticate("zhao", "guess", client=f"10.1.0.{n}")
        with pytest.raises(AuthError, match="too many"):
            store.authenticate("zhao", "zhao password", client="10.1.0.99")


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
