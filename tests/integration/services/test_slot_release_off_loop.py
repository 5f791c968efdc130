"""Review finding (PostgreSQL): a playground run's sandbox slot is given back from a done
callback on the event loop, so on PostgreSQL its DELETE and COMMIT (a pool checkout, a
round trip, or a 10 s connect timeout while the database is away) block every request
of the process. Database.offload keeps them off the loop elsewhere; this path does not."""

from __future__ import annotations

import asyncio
import threading

import pytest

from app.domain.clock import FakeClock
from app.persistence.database import Database
from app.sandbox.protocol import SnippetJob, SnippetResult
from app.services.accounts import Learner
from app.services.playground import Playground
from app.services.sandbox_share import LearnerShare
from app.services.throttle import TokenBucket


class _Runner:
    async def run_async(self, job: SnippetJob) -> SnippetResult:
        return SnippetResult(status="ok", stdout="42\n")


class _Recording(LearnerShare):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.threads: list[int] = []

    def give_back(self, slot) -> None:  # type: ignore[no-untyped-def]
        self.threads.append(threading.get_ident())
        super().give_back(slot)


def test_giving_a_slot_back_does_not_block_the_event_loop(
    database_engine: str, database: Database, loaded, clock: FakeClock, learner: Learner
) -> None:
    if database_engine != "postgresql":
        pytest.skip("SQLite runs services inline on the loop by design")
    share = _Recording(database.units, clock, 2)
    limiter = TokenBucket(database.units, clock, capacity=10, per_second=2)
    playground = Playground(_Runner(), limiter, share, database, clock)

    async def scenario() -> int:
        await playground._run_limited(learner.id, "print(42)")
        for _ in range(5):
            await asyncio.sleep(0)  # the done callback has run
        return threading.get_ident()

    loop_thread = asyncio.run(scenario())
    assert share.threads, "the slot was not given back"
    assert loop_thread not in share.threads, "the slot's DELETE ran on the event loop"
