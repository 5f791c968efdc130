"""Login throttling (too many failed sign-ins wait a while) and a token-bucket rate limit.

The login throttle keeps its counts in the database, so every app process sees the
same guesses. A sign-in is counted *before* its password is checked (`reserve`, one
guarded UPDATE per key in one transaction) and taken back only if it succeeds, so
concurrent guesses cannot check more passwords than the limit. Each account (by its
username key) and each client address has its own count; reaching the limit locks the
key for 30 s, and each later lock doubles, up to 15 minutes. A successful sign-in
clears the account's count. Time comes from the injected clock.

The playground's TokenBucket is in the database too, so that a learner's runs count
the same on every app process (app.persistence.playground_limits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.domain.clock import Clock
from app.domain.errors import TooManyRequests
from app.persistence.login_throttle import ThrottleState, stored_key
from app.persistence.playground_limits import BucketRule
from app.persistence.unit_of_work import UnitOfWorkFactory

QUIET = timedelta(days=1)  # after a day without sign-ins a key starts afresh


@dataclass(frozen=True)
class Limit:
    """`failures` sign-ins per `window`; then a lock of `first_lock`, doubling each time."""

    failures: int
    window: timedelta = timedelta(minutes=15)
    first_lock: timedelta = timedelta(seconds=30)
    longest_lock: timedelta = timedelta(minutes=15)

    def lock_for(self, locks_before: int) -> timedelta:
        doubled: timedelta = self.first_lock * 2 ** min(locks_before, 32)
        return min(doubled, self.longest_lock)


class LoginThrottle:
    """The limits and the clock; each step is a unit of work of the caller's factory (the
    sign-in's own, so that on SQLite it shares the sign-in's commit group)."""

    def __init__(
        self,
        clock: Clock,
        *,
        per_account: Limit = Limit(5),
        per_client: Limit = Limit(20),
    ) -> None:
        self._clock = clock
        self._per_account = per_account
        self._per_client = per_client

    def reserve(self, units: UnitOfWorkFactory, account: str, client: str) -> None:
        """Count a sign-in for `account` (a username key) from `client`, or refuse it.

        Raises TooManyRequests, counting nothing, when either is at its limit or locked.
        """
        now = self._clock()
        with units() as uow:
            throttle = uow.login_throttle
            for key, limit in self._keys(account, client):
                counted = throttle.reserve(
                    key,
                    now=now,
                    limit=limit.failures,
                    window_start=now - limit.window,
                    quiet_since=now - QUIET,
                )
                if not counted:  # the other key's count is rolled back with this one's
                    raise _refusal(throttle.state(key), limit, now)
            uow.commit()

    def failed(self, units: UnitOfWorkFactory, account: str, client: str) -> None:
        """The reserved sign-in was wrong: it stays counted; at the limit, lock."""
        now = self._clock()
        with units() as uow:
            throttle = uow.login_throttle
            for key, limit in self._keys(account, client):
                state = throttle.touch(key, now)
                if (
                    state is not None
                    and state.failures >= limit.failures
                    and not _locked(state, now)
                ):
                    throttle.lock(key, now=now, until=now + limit.lock_for(state.locks))
            throttle.forget_idle(now - QUIET)
            uow.commit()

    def succeeded(self, units: UnitOfWorkFactory, account: str, client: str) -> None:
        """The reserved sign-in was right: the account starts afresh; the address
        keeps its earlier failures, only this sign-in is taken back."""
        account_key, client_key = (key for key, _limit in self._keys(account, client))
        with units() as uow:
            throttle = uow.login_throttle
            throttle.clear(account_key)
            throttle.uncount(client_key)
            uow.commit()

    def _keys(self, account: str, client: str) -> list[tuple[str, Limit]]:
        return [
            (stored_key("account", account), self._per_account),
            (stored_key("client", client), self._per_client),
        ]


def _locked(state: ThrottleState, now: datetime) -> bool:
    return state.locked_until is not None and state.locked_until > now


def _refusal(state: ThrottleState | None, limit: Limit, now: datetime) -> TooManyRequests:
    if state is not None and state.locked_until is not None and state.locked_until > now:
        wait = state.locked_until - now
    else:  # the count is full of sign-ins still being checked: a lock is coming
        wait = limit.lock_for(state.locks if state else 0)
    seconds = max(1, math.ceil(wait.total_seconds()))
    return TooManyRequests(f"Too many failed sign-ins. Try again in {_duration(seconds)}.", seconds)


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


class TokenBucket:
    """A burst of `capacity` events per key, then `per_second` sustained (playground runs).

    Each key's bucket holds up to `capacity` tokens and gains `per_second` of them per
    second; an event takes one. Kept in the database, shared by every app process; time
    comes from the injected clock.
    """

    def __init__(
        self, units: UnitOfWorkFactory, clock: Clock, *, capacity: int, per_second: float
    ) -> None:
        if capacity < 1 or per_second <= 0:
            raise ValueError("a bucket holds at least one token and refills")
        self._units = units
        self._clock = clock
        interval = max(1, round(1_000_000 / per_second))
        self._rule = BucketRule(interval_us=interval, tolerance_us=(capacity - 1) * interval)

    def take(self, key: str) -> None:
        now = _microseconds(self._clock())
        with self._units() as uow:
            wait_us = uow.token_buckets.take(key, now_us=now, rule=self._rule)
            uow.commit()
        if wait_us is not None:
            wait = math.ceil(wait_us / 1_000_000)
            unit = "second" if wait == 1 else "seconds"
            raise TooManyRequests(f"Slow down: try again in {wait} {unit}.", wait)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _microseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)
