"""Each learner's share of the sandbox: at most a few of their snippets run at once.

Without it one learner could take every slot (eight `while True: pass` runs) and every
other learner's run would be refused. A claim is taken before a snippet is handed to
the sandbox and given back when the sandbox is done with it, however that ends.

`SandboxShare` is what the playground sees. `LearnerShare` keeps the counts in this
process, which is enough while the app runs as one; a store that several app processes
share (the database) can take its place behind the same two methods.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from threading import Lock
from typing import Any, Protocol, TypeVar

from app.domain.errors import TooManyRequests

PER_LEARNER = 2
RETRY_SECONDS = 2  # a learner's snippet is stopped after a few seconds of wall time

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
    """In-process counts of each learner's running snippets; safe from any thread."""

    def __init__(self, per_learner: int = PER_LEARNER) -> None:
        if per_learner < 1:
            raise ValueError("per_learner must be at least 1")
        self.per_learner = per_learner
        self._running: dict[int, int] = {}
        self._lock = Lock()

    def claim(self, learner_id: int) -> Claim:
        with self._lock:  # the check and the count are one step: no two claims both fit
            running = self._running.get(learner_id, 0)
            if running >= self.per_learner:
                raise TooManyRequests(_refusal(running), RETRY_SECONDS)
            self._running[learner_id] = running + 1
        return _Slot(self, learner_id)

    def running(self, learner_id: int) -> int:
        with self._lock:
            return self._running.get(learner_id, 0)

    def give_back(self, slot: _Slot) -> None:
        with self._lock:
            if not slot.held:
                return
            slot.held = False
            left = self._running.get(slot.learner_id, 0) - 1
            if left > 0:
                self._running[slot.learner_id] = left
            else:
                self._running.pop(slot.learner_id, None)  # idle learners take no memory


class _Slot:
    def __init__(self, share: LearnerShare, learner_id: int) -> None:
        self.share = share
        self.learner_id = learner_id
        self.held = True

    def release(self) -> None:
        self.share.give_back(self)


async def hold_until_done(claim: Claim, work: Coroutine[Any, Any, T]) -> T:
    """Await `work`, keeping `claim` until it ends, then releasing it however it ended.

    A caller that goes away (the client disconnected) does not end the work: the snippet
    runs on in the sandbox until it finishes or is stopped, so its slot stays taken until
    then. Released at the caller's cancellation instead, a learner could fill the sandbox
    by starting runs and hanging up.
    """
    task = asyncio.ensure_future(work)
    _under_way.add(task)  # the loop keeps only a weak reference to a task nobody awaits
    task.add_done_callback(lambda done: _release_after(claim, done))
    return await asyncio.shield(task)


_under_way: set[asyncio.Future[Any]] = set()


def _release_after(claim: Claim, task: asyncio.Future[Any]) -> None:
    _under_way.discard(task)
    claim.release()
    if not task.cancelled():
        task.exception()  # seen: an abandoned run's error is not logged as never retrieved


def _refusal(running: int) -> str:
    if running == 1:
        return "You already have 1 snippet running; wait for it to finish."
    return f"You already have {running} snippets running; wait for one to finish."
