"""Login throttling: too many failed sign-ins per username or per client wait a while.

In memory, per process: enough for one server process; a shared store would replace
it when the app runs several.
"""

from __future__ import annotations

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


class RateLimiter:
    """At most `limit` events per key within `window` (e.g. playground runs per learner)."""

    def __init__(self, clock: Clock, *, limit: int, window: timedelta) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window
        self._events: defaultdict[str, deque[datetime]] = defaultdict(deque)
        self._lock = Lock()

    def take(self, key: str) -> None:
        now = self._clock()
        with self._lock:
            events = self._events[key]
            while events and events[0] <= now - self._window:
                events.popleft()
            if len(events) >= self._limit:
                wait = int((events[0] + self._window - now).total_seconds()) + 1
                raise TooManyRequests(f"Slow down: try again in {wait} seconds.", wait)
            events.append(now)
