from __future__ import annotations

import pytest

from app.domain.clock import FakeClock
from app.domain.errors import TooManyRequests
from app.services.throttle import LoginThrottle, TokenBucket


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


def playground_limit(clock: FakeClock) -> TokenBucket:
    return TokenBucket(clock, capacity=10, per_second=2)


def test_a_burst_of_ten_passes_and_the_eleventh_waits() -> None:
    limiter = playground_limit(FakeClock())
    for _ in range(10):
        limiter.take("k")
    with pytest.raises(TooManyRequests) as refused:
        limiter.take("k")
    assert refused.value.retry_after == 1
    assert "try again in 1 second" in refused.value.message


def test_half_a_second_later_one_more_passes() -> None:
    clock = FakeClock()
    limiter = playground_limit(clock)
    for _ in range(10):
        limiter.take("k")
    clock.advance(0.5)
    limiter.take("k")
    with pytest.raises(TooManyRequests):
        limiter.take("k")


def test_two_a_second_sustained_are_never_refused() -> None:
    clock = FakeClock()
    limiter = playground_limit(clock)
    for _ in range(10):
        limiter.take("k")  # even after a full burst
    for _ in range(1000):
        clock.advance(0.5)
        limiter.take("k")


def test_keys_have_their_own_buckets_and_refill_to_capacity_only() -> None:
    clock = FakeClock()
    limiter = playground_limit(clock)
    for _ in range(10):
        limiter.take("a")
    limiter.take("b")
    clock.advance(3600)
    for _ in range(10):
        limiter.take("a")
    with pytest.raises(TooManyRequests):
        limiter.take("a")


def test_refused_events_take_nothing() -> None:
    clock = FakeClock()
    limiter = playground_limit(clock)
    for _ in range(10):
        limiter.take("k")
    for _ in range(5):
        with pytest.raises(TooManyRequests):
            limiter.take("k")
    clock.advance(0.5)
    limiter.take("k")
