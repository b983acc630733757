"""Server-side staff sessions and the secrets shared by every process on one database.

A login opens a session: a random 256-bit token goes to the browser, only its SHA-256 digest is
stored. Each request looks the digest up, so logout (:meth:`StaffSessions.close`), a password
change (:meth:`StaffSessions.close_user`) and removing the account (the rows cascade) end the
login at once, in every process. A session ends after ``lifetime`` and after ``idle`` without a
request; ``last_seen_at`` is written at most every :data:`TOUCH_EVERY`, so browsing does not
turn every page view into a write.

:func:`shared_secret` returns a named secret, created once per database (the first process to
ask wins the insert), so two ``serve`` processes sharing a PostgreSQL accept each other's signed
cookies. A secret file left by an earlier version (``<home>/session_secret``) is imported once.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import StaffLogin
from bot.store.tables import SecretRow, StaffSessionRow, UserRow

log = logging.getLogger(__name__)

TOUCH_EVERY = timedelta(minutes=5)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StaffSessions:
    """Open, look up and end staff logins (used through :class:`bot.store.Store`)."""

    def __init__(
        self,
        reads: sessionmaker[Session],
        writes: sessionmaker[Session],
        clock: Callable[[], datetime],
        lifetime: timedelta = timedelta(hours=12),
        idle: timedelta = timedelta(hours=2),
    ) -> None:
        self._reads = reads
        self._writes = writes
        self._clock = clock
        self.lifetime = lifetime
        self.idle = idle

    def open(self, name: str, client: str = "") -> str:
        """A new session for the (existing) user ``name``; returns the token for the cookie."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._writes.begin() as db:
            user_id = db.scalar(select(UserRow.id).where(UserRow.name == name))
            if user_id is None:
                raise LookupError(f"no user {name!r}")
            db.add(
                StaffSessionRow(
                    token_sha256=token_digest(token),
                    user_id=user_id,
                    client=client[:128],
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + self.lifetime,
                )
            )
            # Ended sessions are dropped here, the one place that writes anyway.
            db.execute(delete(StaffSessionRow).where(StaffSessionRow.expires_at < now))
        return token

    def get(self, token: str | None) -> StaffLogin | None:
        """The login behind ``token``, or None when unknown, ended, expired or idle too long."""
        if not token or len(token) > 256:
            return None
        digest = token_digest(token)
        now = self._clock()
        with self._reads() as db:
            found = db.execute(
                select(StaffSessionRow, UserRow)
                .join(UserRow, UserRow.id == StaffSessionRow.user_id)
                .where(StaffSessionRow.token_sha256 == digest)
            ).first()
        if found is None:
            return None
        session, user = found
        if session.expires_at <= now or session.last_seen_at + self.idle <= now:
            return None
        if now - session.last_seen_at >= TOUCH_EVERY:
            self._touch(digest, now)
        return StaffLogin(name=user.name, role=user.role, expires_at=session.expires_at)  # type: ignore[arg-type]

    def close(self, token: str | None) -> None:
        """End one session (logout); an unknown token is a no-op."""
        if token:
            with self._writes.begin() as db:
                db.execute(
                    delete(StaffSessionRow).where(
                        StaffSessionRow.token_sha256 == token_digest(token)
                    )
                )

    @staticmethod
    def close_user(db: Session, user_id: int) -> int:
        """End every session of a user inside the caller's transaction; returns how many."""
        result = db.execute(delete(StaffSessionRow).where(StaffSessionRow.user_id == user_id))
        return int(getattr(result, "rowcount", 0) or 0)

    def _touch(self, digest: str, now: datetime) -> None:
        try:
            with self._writes.begin() as db:
                row = db.get(StaffSessionRow, digest)
                if row is not None:
                    row.last_seen_at = now
        except OperationalError as busy:  # a busy database must not refuse a valid login
            log.warning("could not record staff session activity: %s", busy.orig)


def shared_secret(
    reads: sessionmaker[Session],
    writes: sessionmaker[Session],
    name: str,
    now: datetime,
    legacy_file: Path | None = None,
) -> bytes:
    """The secret ``name``, created (or imported from ``legacy_file``) on first use."""
    with reads() as db:
        row = db.get(SecretRow, name)
        if row is not None:
            return row.value.encode()
    value = ""
    if legacy_file is not None and legacy_file.is_file():
        value = legacy_file.read_text(encoding="utf-8").strip()
        log.info("imported the %s secret from %s into the database", name, legacy_file)
    value = value[:256] or secrets.token_hex(32)
    try:
        with writes.begin() as db:
            db.add(SecretRow(name=name, value=value, created_at=now))
    except IntegrityError:  # another process created it first; use theirs
        pass
    with reads() as db:
        stored = db.get(SecretRow, name)
        assert stored is not None
        return stored.value.encode()
