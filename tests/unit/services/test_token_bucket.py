from __future__ import annotations

import pytest

from app.domain.clock import FakeClock
from app.domain.errors import TooManyRequests
from app.services.throttle import TokenBucket


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
