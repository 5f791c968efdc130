from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from app.domain.runs import (
    Outcome,
    current_outcome,
    deadline_from,
    earns_badge,
    effective_time_limit,
    format_clock,
    is_past_grace,
    option_order,
    outcome_after_attempt,
    remaining_seconds,
    retake_opens_at,
    run_is_over,
    run_seconds,
    seconds_until,
    timed_out_at,
    wait_phrase,
)

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_multiplier_stretches_the_limit() -> None:
    assert effective_time_limit(90, 1.5) == 135.0
    assert effective_time_limit(90, 1.0) == 90.0


def test_remaining_counts_down_from_the_deadline() -> None:
    deadline = deadline_from(T0, 120)
    assert remaining_seconds(None, 120, T0) == 120
    assert remaining_seconds(deadline, 120, T0 + timedelta(seconds=45)) == 75
    assert remaining_seconds(deadline, 120, T0 + timedelta(seconds=500)) == 0


def test_grace_is_two_seconds_after_the_deadline() -> None:
    deadline = deadline_from(T0, 60)
    assert not is_past_grace(deadline, T0 + timedelta(seconds=62))
    assert is_past_grace(deadline, T0 + timedelta(seconds=62.01))
    assert not is_past_grace(None, T0 + timedelta(days=1))


def test_pending_problem_past_grace_is_timed_out() -> None:
    deadline = deadline_from(T0, 60)
    late = T0 + timedelta(seconds=63)
    assert current_outcome(Outcome.PENDING, deadline, late) is Outcome.TIMED_OUT
    assert current_outcome(Outcome.CORRECT, deadline, late) is Outcome.CORRECT
    assert current_outcome(Outcome.PENDING, deadline, T0) is Outcome.PENDING


def test_outcome_after_attempt() -> None:
    assert outcome_after_attempt(True, 1, 2) is Outcome.CORRECT
    assert outcome_after_attempt(False, 1, 2) is Outcome.PENDING
    assert outcome_after_attempt(False, 2, 2) is Outcome.INCORRECT


def test_badge_needs_every_problem_correct() -> None:
    assert earns_badge([Outcome.CORRECT] * 5)
    assert not earns_badge([Outcome.CORRECT] * 4 + [Outcome.TIMED_OUT])
    assert not earns_badge([])
    assert run_is_over([Outcome.CORRECT, Outcome.INCORRECT])
    assert not run_is_over([Outcome.CORRECT, Outcome.PENDING])


def test_option_order_is_a_permutation() -> None:
    order = option_order(4, random.Random(3))
    assert sorted(order) == [0, 1, 2, 3]


def test_clock_format_rounds_up() -> None:
    assert format_clock(120) == "2:00"
    assert format_clock(89.2) == "1:30"
    assert format_clock(0.2) == "0:01"
    assert format_clock(0) == "0:00"


def test_a_timed_out_problem_ended_when_its_grace_did() -> None:
    deadline = T0 + timedelta(minutes=2)
    assert timed_out_at(deadline) == deadline + timedelta(seconds=2)
    assert not is_past_grace(deadline, timed_out_at(deadline))  # open until that moment


def test_a_retake_opens_retake_after_past_the_last_end() -> None:
    assert retake_opens_at(None, 600) is None
    assert retake_opens_at(T0, 600) == T0 + timedelta(minutes=10)
    assert retake_opens_at(T0, 0) == T0


def test_the_wait_rounds_up_to_whole_seconds() -> None:
    assert seconds_until(T0 + timedelta(seconds=1.2), T0) == 2
    assert seconds_until(T0, T0 + timedelta(seconds=5)) == 0


def test_the_wait_as_a_person_says_it() -> None:
    assert [wait_phrase(s) for s in (1, 59, 60, 61, 420, 3600, 3660, 7500)] == [
        "in 1 s", "in 59 s", "in 1 min", "in 2 min", "in 7 min", "in 1 h", "in 1 h 1 min",
        "in 2 h 5 min",
    ]  # fmt: skip


def test_a_runs_duration_runs_to_its_end_and_an_open_run_has_none() -> None:
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert run_seconds(start, start + timedelta(minutes=4, seconds=2)) == 242
    assert run_seconds(start, None) is None
