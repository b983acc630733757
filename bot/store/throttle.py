"""Login throttling: growing delays after failed logins, per name, per client and per pair.

No account is ever locked. After a few failures the next attempt in a scope is accepted only
once a delay has passed since that scope's last failure, and the delay doubles with each further
failure up to a ceiling:

- one name from one client (``pair``): the guesser at one keyboard; 3 free, then 2 s, 4 s … 15 min;
- one name from any client (``name``): a guesser spread over many addresses; 10 free, then 1 s,
  2 s … at most 60 s, so the real user, from another address, waits a minute at worst;
- any name from one client (``client``): one address trying many names; 20 free, then 1 s … 5 min.

A success resets its scopes (the pair, the name, and the client); failures older than a scope's
window count no more. A refused attempt is not counted and costs no password hashing. Every
attempt is a row of ``login_attempts``, so the delays hold across processes and restarts. The
client is the address the web app saw, which is the real one only when a trusted proxy is
configured (``settings.trusted_proxies``); otherwise everyone behind one proxy shares the client
delays, which is why they are capped lower than a lock-out would be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bot.errors import LoginThrottled
from bot.store.tables import LoginAttemptRow


@dataclass(frozen=True)
class Step:
    """How one scope's delay grows: ``free`` failures cost nothing, then ``first_s`` doubling."""

    free: int
    first_s: float
    cap_s: float
    window: timedelta

    def delay_s(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.cap_s, self.first_s * 2.0 ** min(failures - self.free, 30))


@dataclass(frozen=True)
class LoginThrottle:
    """The three scopes' delays (the product's defaults; tests may pass smaller ones)."""

    pair: Step = field(default_factory=lambda: Step(3, 2.0, 900.0, timedelta(hours=24)))
    name: Step = field(default_factory=lambda: Step(10, 1.0, 60.0, timedelta(hours=24)))
    client: Step = field(default_factory=lambda: Step(20, 1.0, 300.0, timedelta(hours=1)))


def _failures(
    db: Session, scope: list[ColumnElement[bool]], step: Step, now: datetime
) -> tuple[int, datetime | None]:
    """Failures in ``scope`` since its last success and within the window, and the latest one."""
    last_ok = db.scalar(
        select(func.max(LoginAttemptRow.id)).where(*scope, LoginAttemptRow.succeeded.is_(True))
    )
    recent = (
        select(LoginAttemptRow.created_at)
        .where(
            *scope,
            LoginAttemptRow.succeeded.is_(False),
            LoginAttemptRow.created_at >= now - step.window,
            LoginAttemptRow.id > (last_ok or 0),
        )
        .order_by(LoginAttemptRow.id.desc())
        .limit(step.free + 32)  # enough to reach any ceiling
    )
    times = list(db.scalars(recent))
    return len(times), (times[0] if times else None)


def wait_s(db: Session, policy: LoginThrottle, name: str, client: str, now: datetime) -> float:
    """Seconds until an attempt for ``name`` from ``client`` is accepted (0: now)."""
    scopes = (
        ([LoginAttemptRow.name == name, LoginAttemptRow.client == client], policy.pair),
        ([LoginAttemptRow.name == name], policy.name),
        ([LoginAttemptRow.client == client], policy.client),
    )
    longest = 0.0
    for scope, step in scopes:
        count, latest = _failures(db, scope, step, now)
        delay = step.delay_s(count)
        if delay and latest is not None:
            longest = max(longest, (latest - now).total_seconds() + delay)
    return longest


def refuse_if_too_soon(
    db: Session, policy: LoginThrottle, name: str, client: str, now: datetime
) -> None:
    """Raise :class:`LoginThrottled` (zh and en, with the wait) when it is too soon to try."""
    wait = wait_s(db, policy, name, client, now)
    if wait <= 0:
        return
    seconds = max(1, math.ceil(wait))
    raise LoginThrottled(
        f"too many failed logins; wait {seconds} seconds and try again",
        message_zh=f"登录失败次数过多，请等待 {seconds} 秒后再试",
        retry_after_s=seconds,
    )
