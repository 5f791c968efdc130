"""Repository of failed sign-ins per account and per client address (the login throttle).

Every statement here runs in the caller's transaction. `reserve` is one guarded UPDATE:
the check ("under the limit and not locked") and the count happen in the same statement,
so concurrent sign-ins, in one process or several, cannot all pass one check before any
of them is counted. Each method that decides starts with a write, so on SQLite the
transaction holds the write lock from its first statement and on PostgreSQL the row's
lock: what it reads next nobody else changes before it commits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.persistence.tables import LoginThrottleRow, UTCDateTime


def stored_key(kind: str, value: str) -> str:
    """The row's key: a digest, so typed names and client addresses are not kept."""
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


@dataclass(frozen=True)
class ThrottleState:
    failures: int  # counted in the current window, sign-ins still being checked included
    locks: int
    locked_until: datetime | None


class LoginThrottleRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def reserve(
        self, key: str, *, now: datetime, limit: int, window_start: datetime, quiet_since: datetime
    ) -> bool:
        """Count one sign-in against `key` if it is under `limit` and not locked.

        Failures counted before `window_start` are forgotten, and so are earlier locks
        when nothing happened since `quiet_since`. False: refused, nothing counted.
        """
        self._ensure(key, now)
        stale = LoginThrottleRow.window_started <= window_start
        result = self._session.execute(
            update(LoginThrottleRow)
            .where(
                LoginThrottleRow.key == key,
                or_(LoginThrottleRow.locked_until.is_(None), LoginThrottleRow.locked_until <= now),
                or_(LoginThrottleRow.failures < limit, stale),
            )
            .values(
                failures=case((stale, 1), else_=LoginThrottleRow.failures + 1),
                window_started=case(
                    (stale, literal(now, UTCDateTime())), else_=LoginThrottleRow.window_started
                ),
                locks=case(
                    (LoginThrottleRow.last_at <= quiet_since, 0), else_=LoginThrottleRow.locks
                ),
                last_at=now,
            )
        )
        return _rowcount(result) == 1

    def touch(self, key: str, now: datetime) -> ThrottleState | None:
        """The key's state, after taking its lock (None: nothing is counted for it)."""
        self._session.execute(
            update(LoginThrottleRow).where(LoginThrottleRow.key == key).values(last_at=now)
        )
        return self.state(key)

    def state(self, key: str) -> ThrottleState | None:
        row = self._session.execute(
            select(
                LoginThrottleRow.failures, LoginThrottleRow.locks, LoginThrottleRow.locked_until
            ).where(LoginThrottleRow.key == key)
        ).one_or_none()
        return ThrottleState(row.failures, row.locks, row.locked_until) if row else None

    def lock(self, key: str, *, now: datetime, until: datetime) -> None:
        """Lock `key` until then; its count starts again and the next lock is longer."""
        self._session.execute(
            update(LoginThrottleRow)
            .where(LoginThrottleRow.key == key)
            .values(
                locked_until=until,
                locks=LoginThrottleRow.locks + 1,
                failures=0,
                window_started=now,
            )
        )

    def uncount(self, key: str) -> None:
        """Take back one counted sign-in (it succeeded)."""
        self._session.execute(
            update(LoginThrottleRow)
            .where(LoginThrottleRow.key == key, LoginThrottleRow.failures > 0)
            .values(failures=LoginThrottleRow.failures - 1)
        )

    def clear(self, key: str) -> None:
        self._session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.key == key))

    def forget_idle(self, before: datetime) -> None:
        """Drop keys untouched since `before` and not locked: a name sprayed once goes."""
        # Rows another sign-in has locked are skipped (PostgreSQL): that sign-in is using
        # the key, and waiting for it while holding our keys could deadlock with it.
        idle = (
            select(LoginThrottleRow.key)
            .where(
                LoginThrottleRow.last_at < before,
                or_(
                    LoginThrottleRow.locked_until.is_(None),
                    LoginThrottleRow.locked_until < before,
                ),
            )
            .with_for_update(skip_locked=True)
        )
        self._session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.key.in_(idle)))

    def _ensure(self, key: str, now: datetime) -> None:
        """The key's row, inserted unless another sign-in inserted it first."""
        insert = postgresql.insert if _dialect(self._session) == "postgresql" else sqlite.insert
        self._session.execute(
            insert(LoginThrottleRow)
            .values(
                key=key, failures=0, window_started=now, locks=0, locked_until=None, last_at=now
            )
            .on_conflict_do_nothing(index_elements=["key"])
        )


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
