"""Login throttling (too many failed sign-ins wait a while) and a token-bucket rate limit.

In memory, per process: enough for one server process; a shared store would replace
it when the app runs several.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from datetime import datetime, timedelta
from threading import Lock

from app.domain.clock import Clock
from app.domain.errors import TooManyRequests


class LoginThrottle:
    def __init__(
        self,
        clock: Clock,
        *,
        per_username: int = 5,
        per_client: int = 20,
        window: timedelta = timedelta(minutes=5),
    ) -> None:
        self._clock = clock
        self._limits = {"user": per_username, "client": per_client}
        self._window = window
        self._failures: defaultdict[str, deque[datetime]] = defaultdict(deque)
        self._lock = Lock()

    def check(self, username: str, client: str) -> None:
        now = self._clock()
        with self._lock:
            for key, limit in self._keys(username, client):
                recent = self._recent(key, now)
                if len(recent) >= limit:
                    wait = int((recent[0] + self._window - now).total_seconds()) + 1
                    raise TooManyRequests(
                        f"Too many failed sign-ins. Try again in {wait} seconds.", wait
                    )

    def failed(self, username: str, client: str) -> None:
        now = self._clock()
        with self._lock:
            for key, _limit in self._keys(username, client):
                self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username.strip().lower()}", None)

    def _keys(self, username: str, client: str) -> list[tuple[str, int]]:
        return [
            (f"user:{username.strip().lower()}", self._limits["user"]),
            (f"client:{client}", self._limits["client"]),
        ]

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        return failures


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
