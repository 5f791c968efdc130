"""The rules of a timed run: deadlines, the grace period, attempts and outcomes.

Plain functions over values; services apply them inside transactions.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

# An answer sent just before the deadline may arrive a little after it.
GRACE = timedelta(seconds=2)


class Outcome(StrEnum):
    PENDING = "pending"
    CORRECT = "correct"
    INCORRECT = "incorrect"
    TIMED_OUT = "timed_out"

    @property
    def is_over(self) -> bool:
        return self is not Outcome.PENDING


def effective_time_limit(limit_seconds: int, multiplier: float) -> float:
    """A learner's accommodation stretches every limit."""
    return float(limit_seconds) * multiplier


def deadline_from(first_view: datetime, limit_seconds: float) -> datetime:
    return first_view + timedelta(seconds=limit_seconds)


def remaining_seconds(deadline: datetime | None, limit_seconds: float, now: datetime) -> float:
    """Seconds left to answer; an unseen problem has its whole limit."""
    if deadline is None:
        return limit_seconds
    return max(0.0, (deadline - now).total_seconds())


def is_past_grace(deadline: datetime | None, now: datetime) -> bool:
    return deadline is not None and now > deadline + GRACE


def current_outcome(stored: Outcome, deadline: datetime | None, now: datetime) -> Outcome:
    """A pending problem whose time ran out is over, whether or not anyone wrote it down."""
    if stored is Outcome.PENDING and is_past_grace(deadline, now):
        return Outcome.TIMED_OUT
    return stored


def outcome_after_attempt(correct: bool, number: int, max_attempts: int) -> Outcome:
    if correct:
        return Outcome.CORRECT
    if number >= max_attempts:
        return Outcome.INCORRECT
    return Outcome.PENDING


def earns_badge(outcomes: Iterable[Outcome]) -> bool:
    collected = list(outcomes)
    return bool(collected) and all(outcome is Outcome.CORRECT for outcome in collected)


def run_is_over(outcomes: Iterable[Outcome]) -> bool:
    return all(outcome.is_over for outcome in outcomes)


def option_order(count: int, rng: random.Random) -> list[int]:
    """A per-run display order: order[i] is the authored index shown at position i."""
    order = list(range(count))
    rng.shuffle(order)
    return order


def format_clock(seconds: float) -> str:
    """`m:ss` as the seeds show it ("2:00 remaining")."""
    whole = max(0, int(seconds + 0.999))  # 0.2 s left still shows 0:01
    return f"{whole // 60}:{whole % 60:02d}"


def timed_out_at(deadline: datetime) -> datetime:
    """When a problem that ran out of time ended: the last moment an answer was accepted.

    A run is open until its last problem ends, so its end, and the retake wait that
    counts from it, are the same moment whether the problem ended by answer or by time.
    """
    return deadline + GRACE


def run_seconds(started_at: datetime, finished_at: datetime | None) -> float | None:
    """How long a run took, from its start to when its last problem ended; None while open.

    The one definition of a run's duration (awards, a learner's history, analytics; SQL
    sorting by it: app.persistence.durations)."""
    if finished_at is None:
        return None
    return (finished_at - started_at).total_seconds()


def retake_opens_at(
    last_run_ended_at: datetime | None, retake_after_seconds: int
) -> datetime | None:
    """When the learner may start the set again; None: they may now (or never ran it)."""
    if last_run_ended_at is None:
        return None
    return last_run_ended_at + timedelta(seconds=retake_after_seconds)


def seconds_until(moment: datetime, now: datetime) -> int:
    """Whole seconds to wait, rounded up (a Retry-After of 0 would invite a retry too soon)."""
    return max(0, math.ceil((moment - now).total_seconds()))


def wait_phrase(seconds: int) -> str:
    """ "in 45 s", "in 7 min", "in 2 h 5 min": how long, as a person says it."""
    if seconds < 60:
        return f"in {seconds} s"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"in {minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"in {hours} h {rest} min" if rest else f"in {hours} h"
