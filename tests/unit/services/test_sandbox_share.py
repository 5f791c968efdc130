"""The per-learner share of the sandbox on its own: counting, refusing, giving back."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.domain.errors import TooManyRequests
from app.services.sandbox_share import (
    Claim,
    LearnerShare,
    hold_until_done,
    sandbox_capacity,
    share_of,
)


def test_a_learner_gets_their_share_and_no_more_and_others_are_apart() -> None:
    share = LearnerShare(2)
    first, _second = share.claim(1), share.claim(1)

    with pytest.raises(TooManyRequests) as refused:
        share.claim(1)

    assert refused.value.message == ("You already have 2 snippets running; wait for one to finish.")
    assert refused.value.retry_after >= 1
    assert share.claim(2) is not None  # another learner
    first.release()
    share.claim(1)
    assert share.running(1) == 2


def test_releasing_twice_gives_back_one_slot() -> None:
    share = LearnerShare(2)
    claim = share.claim(7)
    share.claim(7)

    claim.release()
    claim.release()

    assert share.running(7) == 1


def test_claims_from_many_threads_at_once_never_exceed_the_share() -> None:
    share = LearnerShare(2)
    start = threading.Barrier(16)

    def attempt() -> bool:
        start.wait()
        try:
            share.claim(1)
        except TooManyRequests:
            return False
        return True

    with ThreadPoolExecutor(16) as pool:
        granted = list(pool.map(lambda _: attempt(), range(16)))

    assert granted.count(True) == 2
    assert share.running(1) == 2


@pytest.mark.parametrize(
    ("capacity", "wanted", "share"),
    [(None, 2, 2), (6, 2, 2), (3, 2, 2), (2, 2, 1), (1, 2, 1), (6, 10, 5), (None, 0, 1)],
)
def test_the_share_stays_below_the_sandboxs_total(
    capacity: int | None, wanted: int, share: int
) -> None:
    assert share_of(capacity, wanted) == share


def test_the_sandboxs_total_is_its_slots_and_its_queue() -> None:
    class Box:
        pool_size = 2
        queue_size = 4

    assert sandbox_capacity(Box()) == 6
    assert sandbox_capacity(object()) is None


def test_work_abandoned_by_its_caller_keeps_the_slot_until_it_ends() -> None:
    async def scenario() -> None:
        share = LearnerShare(1)
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
