"""Counselor and maintainer accounts: argon2id password hashes, throttled logins.

Passwords are hashed with argon2-cffi's defaults (salted argon2id, 64 MiB, re-hashed on login
when the defaults grow). At most ``max_hashing`` hashes run at once in a process (a semaphore),
so a burst of logins cannot take gigabytes of memory or starve the chat of CPU; a login that
waits longer than :data:`HASH_WAIT_S` is told to try again. Every attempt is a row in
``login_attempts``; after failures the next attempt must wait a growing delay (``throttle.py``)
instead of the account being locked. Unknown names cost the same hashing time as known ones and
get the same message, so an attacker cannot tell which names exist. A password change or the
removal of an account ends its staff sessions. Leaves out password reset by e-mail and 2FA.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import AuthError, LoginThrottled, NotFoundError, ValidationFailed
from bot.store.models import ROLES, LoginFailures, Role, User
from bot.store.staff import StaffSessions
from bot.store.tables import LoginAttemptRow, UserRow
from bot.store.throttle import LoginThrottle, refuse_if_too_soon

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[\w.@-]{1,64}$")
MIN_PASSWORD = 8
HASH_WAIT_S = 20.0  # how long a login waits for a free hashing slot before "try again"


def normalise_name(name: str) -> str:
    """Names are compared case-insensitively and without surrounding spaces."""
    clean = name.strip().casefold()
    if not _NAME.match(clean):
        raise ValidationFailed(
            f"user name {name!r} must be 1–64 letters, digits or . _ @ -",
            message_zh=f"用户名 {name!r} 须为 1–64 位字母、数字或 . _ @ -",
        )
    return clean


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(
            f"password must have at least {MIN_PASSWORD} characters",
            message_zh=f"密码至少需要 {MIN_PASSWORD} 个字符",
        )


def _aware(moment: datetime) -> datetime:
    """Aggregates come back without the column type's conversion: naive UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _user(row: UserRow) -> User:
    return User(
        name=row.name,
        role=row.role,  # type: ignore[arg-type]
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


class Accounts:
    """Users and logins on the store's database (used through :class:`bot.store.Store`)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        policy: LoginThrottle | None = None,
        hasher: PasswordHasher | None = None,
        *,
        writes: sessionmaker[Session] | None = None,
        max_hashing: int = 2,
    ) -> None:
        self._reads = sessions
        self._sessions = writes or sessions  # every method here writes
        self._clock = clock
        self.policy = policy or LoginThrottle()
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None
        self._hashing = threading.BoundedSemaphore(max(1, max_hashing))

    @contextlib.contextmanager
    def _hash_slot(self) -> Iterator[None]:
        if not self._hashing.acquire(timeout=HASH_WAIT_S):
            raise LoginThrottled(
                "the server is busy with other logins; try again in a moment",
                message_zh="服务器正忙于处理其他登录，请稍后再试",
                retry_after_s=5,
            )
        try:
            yield
        finally:
            self._hashing.release()

    def add_user(self, name: str, role: Role, password: str) -> User:
        key = normalise_name(name)
        if role not in ROLES:
            raise ValidationFailed(
                f"role must be one of {', '.join(ROLES)}, not {role!r}",
                message_zh="角色只能是 counselor（辅导员）或 maintainer（维护者），"
                f"不能是 {role!r}",
            )
        _check_password(password)
        with self._hash_slot():
            hashed = self._hasher.hash(password)
        row = UserRow(name=key, role=role, password_hash=hashed, created_at=self._clock())
        try:
            with self._sessions.begin() as db:
                db.add(row)
        except IntegrityError as clash:
            raise ValidationFailed(
                f"user {key!r} already exists", message_zh=f"用户 {key!r} 已存在"
            ) from clash
        log.info("added user %s (%s)", key, role)
        return _user(row)

    def list_users(self) -> list[User]:
        with self._reads() as db:
            return [_user(r) for r in db.scalars(select(UserRow).order_by(UserRow.name))]

    def remove_user(self, name: str) -> None:
        """Delete the account; its staff sessions end with it."""
        key = normalise_name(name)
        with self._sessions.begin() as db:
            row = self._row(db, key)
            ended = StaffSessions.close_user(db, row.id)  # no reliance on the FK cascade alone
            db.delete(row)
        log.info("removed user %s (%s sessions ended)", key, ended)

    def set_password(self, name: str, password: str) -> None:
        """A new password; every staff session of the account ends (log in again)."""
        key = normalise_name(name)
        _check_password(password)
        with self._hash_slot():
            hashed = self._hasher.hash(password)
        with self._sessions.begin() as db:
            row = self._row(db, key)
            row.password_hash = hashed
            ended = StaffSessions.close_user(db, row.id)
        log.info("password changed for %s (%s sessions ended)", key, ended)

    def authenticate(self, name: str, password: str, client: str = "") -> User:
        """The user when ``password`` is right; otherwise :class:`AuthError` (zh and en)."""
        try:
            key = normalise_name(name)
        except ValidationFailed:
            key = name.strip().casefold()[:64]
        client = client[:128]
        with self._reads() as db:  # refused early: no hashing, no write, not counted
            refuse_if_too_soon(db, self.policy, key, client, self._clock())
            row = db.scalars(select(UserRow).where(UserRow.name == key)).first()
            stored = row.password_hash if row else None
        with self._hash_slot():
            ok = self._verify(stored, password)
            rehash = self._hasher.hash(password) if ok and self._needs_rehash(stored) else None
        now = self._clock()
        with self._sessions.begin() as db:
            # Checked again in the write transaction: parallel guesses must not all pass.
            refuse_if_too_soon(db, self.policy, key, client, now)
            db.add(LoginAttemptRow(name=key, client=client, succeeded=ok, created_at=now))
            user = None
            row = db.scalars(select(UserRow).where(UserRow.name == key)).first() if ok else None
            if row is not None and row.password_hash == stored:
                row.last_login_at = now
                if rehash is not None:
                    row.password_hash = rehash
                user = _user(row)
        if user is None:  # raised after the commit, so the failure is counted
            log.warning("failed login for %r from %s", key, client or "-")
            raise AuthError("wrong user name or password", message_zh="用户名或密码错误")
        return user

    def failures(self, since: datetime, limit: int = 200) -> list[LoginFailures]:
        """Failed logins since ``since``, grouped by name and client, most recent first."""
        query = (
            select(
                LoginAttemptRow.name,
                LoginAttemptRow.client,
                func.count(),
                func.min(LoginAttemptRow.created_at),
                func.max(LoginAttemptRow.created_at),
            )
            .where(LoginAttemptRow.succeeded.is_(False), LoginAttemptRow.created_at >= since)
            .group_by(LoginAttemptRow.name, LoginAttemptRow.client)
            .order_by(func.max(LoginAttemptRow.created_at).desc())
            .limit(limit)
        )
        with self._reads() as db:
            rows = db.execute(query).all()
        return [
            LoginFailures(
                name=name,
                client=client,
                failures=count,
                first_at=_aware(first),
                last_at=_aware(last),
            )
            for name, client, count, first, last in rows
        ]

    # --- helpers -----------------------------------------------------------------------------
    def _row(self, db: Session, key: str) -> UserRow:
        row = db.scalars(select(UserRow).where(UserRow.name == key)).first()
        if row is None:
            raise NotFoundError(f"user {key!r} does not exist", message_zh=f"用户 {key!r} 不存在")
        return row

    def _verify(self, stored: str | None, password: str) -> bool:
        if stored is None:  # spend the same time as for a real account
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash("careercoach-no-such-user")
            stored, password = self._dummy_hash, password + "\x00"
            with contextlib.suppress(VerificationError, InvalidHashError):
                self._hasher.verify(stored, password)
            return False
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def _needs_rehash(self, stored: str | None) -> bool:
        try:
            return stored is not None and self._hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return False
