"""Login throttling (too many failed sign-ins wait a while) and a token-bucket rate limit.

The login throttle keeps its counts in the database, so every app process sees the
same guesses. A sign-in is counted *before* its password is checked (`reserve`, one
guarded UPDATE per key in one transaction) and taken back only if it succeeds, so
concurrent guesses cannot check more passwords than the limit. Each account (by its
username key) and each client address has its own count; reaching the limit locks the
key for 30 s, and each later lock doubles, up to 15 minutes. A successful sign-in
clears the account's count. Time comes from the injected clock.

The playground's TokenBucket stays in process memory: it smooths load, it guards no
secret.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock

from app.domain.clock import Clock
from app.domain.errors import TooManyRequests
from app.persistence.login_throttle import ThrottleState, stored_key
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


_MAX_KEYS = 10_000  # buckets kept before the full ones are dropped


class TokenBucket:
    """A burst of `capacity` events per key, then `per_second` sustained (playground runs).

    Each key's bucket holds up to `capacity` tokens and gains `per_second` of them per
    second; an event takes one. Time comes from the injected clock.
    """

    def __init__(self, clock: Clock, *, capacity: int, per_second: float) -> None:
        self._clock = clock
        self._capacity = float(capacity)
        self._rate = per_second
        self._buckets: dict[str, tuple[float, datetime]] = {}  # key -> (tokens, as of)
        self._lock = Lock()

    def take(self, key: str) -> None:
        now = self._clock()
        with self._lock:
            tokens = self._tokens(key, now)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                wait = math.ceil((1 - tokens) / self._rate)
                unit = "second" if wait == 1 else "seconds"
                raise TooManyRequests(f"Slow down: try again in {wait} {unit}.", wait)
            if len(self._buckets) >= _MAX_KEYS:
                self._forget_full(now)
            self._buckets[key] = (tokens - 1, now)

    def _tokens(self, key: str, now: datetime) -> float:
        held = self._buckets.get(key)
        if held is None:
            return self._capacity
        tokens, since = held
        gained = max(0.0, (now - since).total_seconds()) * self._rate
        return min(self._capacity, tokens + gained)

    def _forget_full(self, now: datetime) -> None:
        """A full bucket is the same as none: drop those, so idle keys do not pile up."""
        for key in [k for k in self._buckets if self._tokens(k, now) >= self._capacity]:
            del self._buckets[key]
