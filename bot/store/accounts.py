"""Counselor and maintainer accounts: argon2id password hashes and login rate limiting.

Passwords are hashed with argon2-cffi's defaults (salted argon2id, re-hashed on login when the
defaults grow). Every login attempt is a row in ``login_attempts``, so the limit holds across
processes and restarts: by default 5 failures for one name from one client within 15 minutes
lock that pair until the oldest of them is 15 minutes old, and 20 failures for one name from any
clients lock the name the same way. A locked attempt is refused without checking the password and
is not counted. Unknown names cost the same hashing time as known ones and get the same message,
so an attacker cannot tell which names exist. Leaves out password reset by e-mail and 2FA.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import AuthError, NotFoundError, ValidationFailed
from bot.store.models import ROLES, Role, User
from bot.store.tables import LoginAttemptRow, UserRow

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[\w.@-]{1,64}$")
MIN_PASSWORD = 8


@dataclass(frozen=True)
class LoginPolicy:
    """How many failed logins are allowed before a name (and client) is locked."""

    max_failures: int = 5  # per name and client within the window
    max_failures_per_name: int = 20  # per name, whatever the client
    window: timedelta = timedelta(minutes=15)


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
        policy: LoginPolicy | None = None,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.policy = policy or LoginPolicy()
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    def add_user(self, name: str, role: Role, password: str) -> User:
        key = normalise_name(name)
        if role not in ROLES:
            raise ValidationFailed(
                f"role must be one of {', '.join(ROLES)}, not {role!r}",
                message_zh="角色只能是 counselor（辅导员）或 maintainer（维护者），"
                f"不能是 {role!r}",
            )
        _check_password(password)
        row = UserRow(
            name=key, role=role, password_hash=self._hasher.hash(password), created_at=self._clock()
        )
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
        with self._sessions() as db:
            return [_user(r) for r in db.scalars(select(UserRow).order_by(UserRow.name))]

    def remove_user(self, name: str) -> None:
        key = normalise_name(name)
        with self._sessions.begin() as db:
            row = self._row(db, key)
            db.delete(row)
        log.info("removed user %s", key)

    def set_password(self, name: str, password: str) -> None:
        key = normalise_name(name)
        _check_password(password)
        with self._sessions.begin() as db:
            self._row(db, key).password_hash = self._hasher.hash(password)

    def authenticate(self, name: str, password: str, client: str = "") -> User:
        """The user when ``password`` is right; otherwise :class:`AuthError` (zh and en)."""
        try:
            key = normalise_name(name)
        except ValidationFailed:
            key = name.strip().casefold()[:64]
        client = client[:128]
        now = self._clock()
        with self._sessions.begin() as db:
            self._refuse_if_locked(db, key, client, now)
            row = db.scalars(select(UserRow).where(UserRow.name == key)).first()
            ok = self._verify(row.password_hash if row else None, password)
            db.add(LoginAttemptRow(name=key, client=client, succeeded=ok, created_at=now))
            user = None
            if ok and row is not None:
                row.last_login_at = now
                if self._hasher.check_needs_rehash(row.password_hash):
                    row.password_hash = self._hasher.hash(password)
                user = _user(row)
        if user is None:  # raised after the commit, so the failure is counted
            log.info("failed login for %s from %s", key, client or "-")
            raise AuthError("wrong user name or password", message_zh="用户名或密码错误")
        return user

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

    def _refuse_if_locked(self, db: Session, key: str, client: str, now: datetime) -> None:
        since = now - self.policy.window
        checks = (
            (LoginAttemptRow.client == client, self.policy.max_failures),
            (LoginAttemptRow.name == key, self.policy.max_failures_per_name),
        )
        for scope, limit in checks:
            last_ok = db.scalar(
                select(func.max(LoginAttemptRow.id)).where(
                    LoginAttemptRow.name == key, scope, LoginAttemptRow.succeeded.is_(True)
                )
            )
            failures = list(
                db.scalars(
                    select(LoginAttemptRow.created_at)
                    .where(
                        LoginAttemptRow.name == key,
                        scope,
                        LoginAttemptRow.succeeded.is_(False),
                        LoginAttemptRow.created_at >= since,
                        LoginAttemptRow.id > (last_ok or 0),
                    )
                    .order_by(LoginAttemptRow.created_at.desc())
                    .limit(limit)
                )
            )
            if len(failures) >= limit:
                unlock = failures[-1] + self.policy.window
                minutes = max(1, math.ceil((unlock - now).total_seconds() / 60))
                log.warning("login for %s from %s refused: locked", key, client or "-")
                raise AuthError(
                    f"too many failed logins; try again in {minutes} minutes",
                    message_zh=f"登录失败次数过多，请 {minutes} 分钟后再试",
                )
