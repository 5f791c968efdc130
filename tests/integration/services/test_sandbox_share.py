"""The per-learner share of the sandbox, kept in the database: counting, refusing, giving
back, and the same for every app process (two engines on one file stand for two)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.domain.clock import FakeClock
from app.domain.errors import TooManyRequests
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services.sandbox_share import LEASE, Claim, LearnerShare, hold_until_done


def test_a_learner_gets_their_share_and_no_more_and_others_are_apart(
    units: UnitOfWorkFactory, clock: FakeClock
) -> None:
    share = LearnerShare(units, clock, 2)
    first, _second = share.claim(1), share.claim(1)

    with pytest.raises(TooManyRequests) as refused:
        share.claim(1)

    assert refused.value.message == ("You already have 2 snippets running; wait for one to finish.")
    assert refused.value.retry_after >= 1
    assert share.claim(2) is not None  # another learner
    first.release()
    share.claim(1)
    assert share.running(1) == 2


def test_releasing_twice_gives_back_one_slot(units: UnitOfWorkFactory, clock: FakeClock) -> None:
    share = LearnerShare(units, clock, 2)
    claim = share.claim(7)
    share.claim(7)

    claim.release()
    claim.release()

    assert share.running(7) == 1


def test_claims_from_two_processes_at_once_never_exceed_the_share(
    units: UnitOfWorkFactory, other_process: UnitOfWorkFactory, clock: FakeClock
) -> None:
    shares = [LearnerShare(units, clock, 2), LearnerShare(other_process, clock, 2)]
    share = shares[0]
    start = threading.Barrier(16)

    def attempt(index: int) -> bool:
        start.wait()
        try:
            shares[index % 2].claim(1)
        except TooManyRequests:
            return False
        return True

    with ThreadPoolExecutor(16) as pool:
        granted = list(pool.map(attempt, range(16)))

    assert granted.count(True) == 2
    assert share.running(1) == 2


def test_work_abandoned_by_its_caller_keeps_the_slot_until_it_ends(
    units: UnitOfWorkFactory, clock: FakeClock
) -> None:
    async def scenario() -> None:
        share = LearnerShare(units, clock, 1)
        done = asyncio.Event()

        async def snippet() -> str:
            await done.wait()
            raise RuntimeError("the run failed after its caller left")

        claim: Claim = share.claim(1)
        caller = asyncio.create_task(hold_until_done(claim, snippet()))
        await asyncio.sleep(0)
        caller.cancel()
        await asyncio.gather(caller, return_exceptions=True)
        assert share.running(1) == 1
        done.set()
        while share.running(1):
            await asyncio.sleep(0)
        share.claim(1)

    asyncio.run(scenario())


def test_one_process_sees_the_slots_another_holds(
    units: UnitOfWorkFactory, other_process: UnitOfWorkFactory, clock: FakeClock
) -> None:
    here, there = LearnerShare(units, clock, 2), LearnerShare(other_process, clock, 2)
    held = here.claim(1)
    there.claim(1)
    with pytest.raises(TooManyRequests):
        here.claim(1)
    assert there.running(1) == 2
    held.release()
    there.claim(1)


def test_a_slot_left_by_a_process_that_died_frees_itself_when_its_lease_ends(
    units: UnitOfWorkFactory, other_process: UnitOfWorkFactory, clock: FakeClock
) -> None:
    crashed = LearnerShare(units, clock, 2)
    crashed.claim(1)
    crashed.claim(1)  # neither is ever released: the process is gone
    survivor = LearnerShare(other_process, clock, 2)
    clock.advance(LEASE.total_seconds() - 1)
    with pytest.raises(TooManyRequests):
        survivor.claim(1)
    clock.advance(1)
    survivor.claim(1)
    survivor.claim(1)
    with pytest.raises(TooManyRequests):
        survivor.claim(1)


def test_a_late_release_does_not_free_a_slot_taken_over_after_its_lease(
    units: UnitOfWorkFactory, clock: FakeClock
) -> None:
    share = LearnerShare(units, clock, 1)
    stale = share.claim(1)
    clock.advance(LEASE.total_seconds())
    share.claim(1)  # the lease ran out: the slot is someone else's now
    stale.release()
    assert share.running(1) == 1
