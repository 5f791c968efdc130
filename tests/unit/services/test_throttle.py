from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain.clock import FakeClock
from app.domain.errors import TooManyRequests
from app.services.throttle import LoginThrottle, RateLimiter


def test_failed_logins_lock_the_username_for_a_while() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock, per_username=3, per_client=100)
    for _ in range(3):
        throttle.check("ada", "1.2.3.4")
        throttle.failed("ada", "1.2.3.4")
    with pytest.raises(TooManyRequests) as refused:
        throttle.check("ADA", "5.6.7.8")
    assert refused.value.retry_after > 0
    throttle.check("bob", "1.2.3.4")  # others are not affected
    clock.advance(301)
    throttle.check("ada", "1.2.3.4")


def test_one_client_guessing_many_usernames_is_stopped() -> None:
    throttle = LoginThrottle(FakeClock(), per_username=100, per_client=3)
    for name in ("a", "b", "c"):
        throttle.failed(name, "9.9.9.9")
    with pytest.raises(TooManyRequests):
        throttle.check("d", "9.9.9.9")


def test_success_clears_the_username() -> None:
    throttle = LoginThrottle(FakeClock(), per_username=2, per_client=100)
    throttle.failed("ada", "c")
    throttle.succeeded("ada")
    throttle.failed("ada", "c")
    throttle.check("ada", "c")


def test_rate_limiter_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, limit=2, window=timedelta(seconds=60))
    limiter.take("k")
    limiter.take("k")
    with pytest.raises(TooManyRequests):
        limiter.take("k")
    clock.advance(61)
    limiter.take("k")
