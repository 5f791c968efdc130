"""The playground's token bucket, kept in the database: 10 at once, then 2 a second,
the same for every app process (two engines on one file stand for two processes)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.domain.errors import TooManyRequests
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services.throttle import TokenBucket


def limit_on(units: UnitOfWorkFactory, clock: FakeClock) -> TokenBucket:
    return TokenBucket(units, clock, capacity=10, per_second=2)


def test_a_burst_of_ten_passes_and_the_eleventh_waits(units: UnitOfWorkFactory) -> None:
    limiter = limit_on(units, FakeClock())
    for _ in range(10):
        limiter.take("k")
    with pytest.raises(TooManyRequests) as refused:
        limiter.take("k")
    assert refused.value.retry_after == 1
    assert "try again in 1 second" in refused.value.message


def test_half_a_second_later_one_more_passes(units: UnitOfWorkFactory) -> None:
    clock = FakeClock()
    limiter = limit_on(units, clock)
    for _ in range(10):
        limiter.take("k")
    clock.advance(0.5)
    limiter.take("k")
    with pytest.raises(TooManyRequests):
        limiter.take("k")


def test_two_a_second_sustained_are_never_refused(units: UnitOfWorkFactory) -> None:
    clock = FakeClock()
    limiter = limit_on(units, clock)
    for _ in range(10):
        limiter.take("k")  # even after a full burst
    for _ in range(200):
        clock.advance(0.5)
        limiter.take("k")


def test_keys_have_their_own_buckets_and_refill_to_capacity_only(
    units: UnitOfWorkFactory,
) -> None:
    clock = FakeClock()
    limiter = limit_on(units, clock)
    for _ in range(10):
        limiter.take("a")
    limiter.take("b")
    clock.advance(3600)
    for _ in range(10):
        limiter.take("a")
    with pytest.raises(TooManyRequests):
        limiter.take("a")


def test_refused_events_take_nothing(units: UnitOfWorkFactory) -> None:
    clock = FakeClock()
    limiter = limit_on(units, clock)
    for _ in range(10):
        limiter.take("k")
    for _ in range(5):
        with pytest.raises(TooManyRequests):
            limiter.take("k")
    clock.advance(0.5)
    limiter.take("k")


def test_two_processes_share_one_bucket(
    units: UnitOfWorkFactory, other_process: UnitOfWorkFactory
) -> None:
    clock = FakeClock()
    here, there = limit_on(units, clock), limit_on(other_process, clock)
    for _ in range(5):
        here.take("k")
        there.take("k")
    with pytest.raises(TooManyRequests):
        here.take("k")
    with pytest.raises(TooManyRequests):
        there.take("k")
    clock.advance(0.5)
    there.take("k")
    with pytest.raises(TooManyRequests):
        here.take("k")


def test_takers_racing_from_two_processes_get_exactly_the_burst(
    units: UnitOfWorkFactory, other_process: UnitOfWorkFactory
) -> None:
    clock = FakeClock()
    limiters = [limit_on(units, clock), limit_on(other_process, clock)]
    start = threading.Barrier(24)

    def attempt(index: int) -> bool:
        start.wait()
        try:
            limiters[index % 2].take("k")
        except TooManyRequests:
            return False
        return True

    with ThreadPoolExecutor(24) as pool:
        taken = list(pool.map(attempt, range(24)))
    assert taken.count(True) == 10


def test_full_buckets_are_forgotten(
    units: UnitOfWorkFactory, sessions: sessionmaker[Session]
) -> None:
    from sqlalchemy import func, select

    from app.persistence.tables import PlaygroundBucketRow

    clock = FakeClock()
    limiter = limit_on(units, clock)
    for key in ("a", "b", "c"):
        limiter.take(key)
    clock.advance(60)  # every bucket is full again
    limiter.take("d")  # a new key clears the full ones
    with sessions() as session:
        keys = session.scalars(select(PlaygroundBucketRow.key)).all()
        assert keys == ["d"]
        assert session.scalar(select(func.count()).select_from(PlaygroundBucketRow)) == 1
