"""Each learner's share of the sandbox: at most a few of their snippets run at once.

Without it one learner could take every slot (eight `while True: pass` runs) and every
other learner's run would be refused. A claim is taken before a snippet is handed to
the sandbox and given back when the sandbox is done with it, however that ends.

`SandboxShare` is what the playground sees. `LearnerShare` keeps the claims in the
database, so a learner's share is the same on every app process; each claim has a
lease, so one left by a process that died frees itself (app.persistence.playground_limits).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from app.domain.clock import Clock
from app.domain.errors import TooManyRequests
from app.persistence.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

PER_LEARNER = 2
RETRY_SECONDS = 2  # a learner's snippet is stopped after a few seconds of wall time
# Longer than any snippet is kept (its wait for a slot, its wall clock, the way back):
# a live claim never lapses, and one whose process died frees itself after this.
LEASE = timedelta(minutes=2)

T = TypeVar("T")


class Claim(Protocol):
    def release(self) -> None:
        """Give the slot back; once, however often it is called."""


class SandboxShare(Protocol):
    def claim(self, learner_id: int) -> Claim:
        """A slot for one snippet of this learner, or TooManyRequests when all of theirs run."""


def share_of(capacity: int | None, wanted: int = PER_LEARNER) -> int:
    """`wanted`, kept below what the sandbox admits in all (running plus waiting), so
    that one learner alone can never fill it; at least 1."""
    if capacity is None:
        return max(1, wanted)
    return max(1, min(wanted, capacity - 1))


def sandbox_capacity(sandbox: object) -> int | None:
    """How many jobs `app.sandbox.client.Sandbox` takes at once before SandboxBusy."""
    pool, queue = getattr(sandbox, "pool_size", None), getattr(sandbox, "queue_size", None)
    if isinstance(pool, int) and isinstance(queue, int):
        return pool + queue
    return None


class LearnerShare:
    """Each learner's snippets running at once, counted in the database."""

    def __init__(
        self,
        units: UnitOfWorkFactory,
        clock: Clock,
        per_learner: int = PER_LEARNER,
        *,
        lease: timedelta = LEASE,
    ) -> None:
        if per_learner < 1:
            raise ValueError("per_learner must be at least 1")
        self.per_learner = per_learner
        self._units = units
        self._clock = clock
        self._lease = lease

    def claim(self, learner_id: int) -> Claim:
        holder = secrets.token_hex(8)
        now = self._clock()
        with self._units() as uow:
            claims = uow.sandbox_claims
            slot = claims.claim(
                learner_id,
                slots=self.per_learner,
                holder=holder,
                now=now,
                lease_until=now + self._lease,
            )
            if slot is None:
                raise TooManyRequests(_refusal(claims.held(learner_id, now)), RETRY_SECONDS)
            uow.commit()
        return _Slot(self, learner_id, slot, holder)

    def running(self, learner_id: int) -> int:
        with self._units() as uow:
            return uow.sandbox_claims.held(learner_id, self._clock())

    def give_back(self, slot: _Slot) -> None:
        with self._units() as uow:
            uow.sandbox_claims.release(slot.learner_id, slot.slot, slot.holder)
            uow.commit()


class _Slot:
    def __init__(self, share: LearnerShare, learner_id: int, slot: int, holder: str) -> None:
        self.share = share
        self.learner_id = learner_id
        self.slot = slot
        self.holder = holder
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self.share.give_back(self)


async def hold_until_done(
    claim: Claim,
    work: Coroutine[Any, Any, T],
    offload: Callable[[Callable[[], None]], Awaitable[None]] | None = None,
) -> T:
    """Await `work`, keeping `claim` until it ends, then releasing it however it ended.

    A caller that goes away (the client disconnected) does not end the work: the snippet
    runs on in the sandbox until it finishes or is stopped, so its slot stays taken until
    then. Released at the caller's cancellation instead, a learner could fill the sandbox
    by starting runs and hanging up. `offload`: how to give the slot back off the event
    loop (Database.offload), since on PostgreSQL that is a round trip.
    """
    held = asyncio.ensure_future(_held(claim, work, offload))
    _under_way.add(held)  # the loop keeps only a weak reference to a task nobody awaits
    held.add_done_callback(_forget)
    return await asyncio.shield(held)


async def _held(
    claim: Claim,
    work: Coroutine[Any, Any, T],
    offload: Callable[[Callable[[], None]], Awaitable[None]] | None,
) -> T:
    try:
        return await work
    finally:
        if offload is None:
            _release(claim)
        else:
            await offload(lambda: _release(claim))


_under_way: set[asyncio.Future[Any]] = set()


def _forget(task: asyncio.Future[Any]) -> None:
    _under_way.discard(task)
    if not task.cancelled():
        task.exception()  # seen: an abandoned run's error is not logged as never retrieved


def _release(claim: Claim) -> None:
    try:
        claim.release()
    except Exception:  # the database is away: the claim's lease frees the slot
        log.exception("could not give back a sandbox slot")


def _refusal(running: int) -> str:
    if running == 1:
        return "You already have 1 snippet running; wait for it to finish."
    return f"You already have {running} snippets running; wait for one to finish."
