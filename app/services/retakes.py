"""One open run per learner and set, and the wait before a retake (`retake_after`).

A learner may start a set when they have no open run of it (else: continue that one)
and `retake_after` has passed since their last run of it ended. The end of a run is
the moment its last problem ended (app.services.awards.settle_run writes it down).
The rule is the same after a badge: a retake is practice, and a wait keeps it so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.domain.errors import RetakeTooSoon, RunOpen
from app.domain.runs import retake_opens_at, seconds_until, wait_phrase
from app.persistence.unit_of_work import UnitOfWork
from app.services import awards


@dataclass(frozen=True)
class Standing:
    """Where a learner stands with a set at a moment: an open run, or when it opens."""

    open_run_id: str | None
    opens_at: datetime | None  # a retake before this waits; None: no wait
    now: datetime

    @property
    def wait_seconds(self) -> int:
        return 0 if self.opens_at is None else seconds_until(self.opens_at, self.now)

    @property
    def waiting(self) -> bool:
        return self.open_run_id is None and self.wait_seconds > 0


def standing(
    uow: UnitOfWork, *, learner_id: int, set_id: int, retake_after_seconds: int, now: datetime
) -> Standing:
    """Settle the learner's unfinished runs of the set first: a run whose time ran out
    is over now, though nobody has looked at it since."""
    open_runs = uow.open_runs
    unfinished = open_runs.unfinished_run_ids(learner_id=learner_id, set_id=set_id)
    for run_id in unfinished:
        awards.settle_run(uow, run_id, now)
    if unfinished:
        unfinished = open_runs.unfinished_run_ids(learner_id=learner_id, set_id=set_id)
    ended = open_runs.last_ended_at(learner_id=learner_id, set_id=set_id)
    return Standing(
        open_run_id=unfinished[0] if unfinished else None,
        opens_at=retake_opens_at(ended, retake_after_seconds),
        now=now,
    )


def ensure_may_start(found: Standing, set_title: str) -> None:
    """RunOpen (409, with the run's id) or RetakeTooSoon (429, with the wait)."""
    if found.open_run_id is not None:
        raise RunOpen(open_run_message(set_title), found.open_run_id)
    if found.waiting:
        assert found.opens_at is not None
        wait = found.wait_seconds
        message = (
            f"You can retake {set_title} {wait_phrase(wait)}"
            f" (at {found.opens_at:%H:%M} UTC): a retake waits after each run."
        )
        raise RetakeTooSoon(message, wait, found.opens_at)


def open_run_message(set_title: str) -> str:
    return f"You already have an open run of {set_title}: continue it, or let it end first."
