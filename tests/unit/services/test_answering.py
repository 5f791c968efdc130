"""Answering, hints, settling and the badge (app.services.problems and .awards) against a
FakeUnitOfWork: the server-owned clock and attempts, without a database."""

from __future__ import annotations

import pytest

from app.domain.clock import FakeClock
from app.domain.errors import OutOfAttempts, TimeUp
from app.domain.runs import GRACE, Outcome
from app.services import problems, runs
from app.services.runs import RunSummary
from tests.fake_unit_of_work import FakeUnits
from tests.unit.services.conftest import RETAKE_AFTER, RIGHT, SLUG, answer, view


def test_a_right_answer_ends_the_problem_and_reveals(
    units: FakeUnits, clock: FakeClock, ada: int, run: RunSummary
) -> None:
    result = answer(units, clock, ada, run, 1, "torch.Size([2, 3, 5])")
    assert units.committed
    assert (result.correct, result.outcome, result.attempts_left) == (True, Outcome.CORRECT, 0)
    assert result.reveal is not None
    assert result.reveal.correct_answer == "(2, 3, 5)"
    [first, *_] = units.db.run_problems_of(run.run_id)
    assert (first.outcome, first.attempts_used, first.finished_at) == (
        Outcome.CORRECT, 1, clock(),
    )  # fmt: skip


def test_a_wrong_answer_uses_an_attempt_and_reveals_nothing(
    units: FakeUnits, clock: FakeClock, ada: int, run: RunSummary
) -> None:
    view(units, clock, ada, run, 1)
    clock.advance(30)
    result = answer(units, clock, ada, run, 1, "(2, 5, 3)")
    assert (result.correct, result.outcome, result.attempts_left) == (False, Outcome.PENDING, 1)
    assert result.reveal is None
    assert result.remaining_seconds == 90  # the deadline set at the first view
    assert view(units, clock, ada, run, 1).attempts[0].answer_text == "(2, 5, 3)"


def test_out_of_attempts_the_problem_is_over_and_a_third_try_is_refused(
    units: FakeUnits, clock: FakeClock, ada: int, run: RunSummary
) -> None:
    answer(units, clock, ada, run, 1, "(1, 1)")
    last = answer(units, clock, ada, run, 1, "(1, 2)")
    assert (last.outcome, last.attempts_left) == (Outcome.INCORRECT, 0)
    assert last.reveal is not None
    with pytest.raises(OutOfAttempts):
        answer(units, clock, ada, run, 1, "(2, 3, 5)")
    assert not units.committed  # the refusal kept nothing
    assert units.db.run_problems_of(run.run_id)[0].attempts_used == 2


def test_an_answer_after_the_deadline_and_its_grace_is_too_late(
    units: FakeUnits, clock: FakeClock, ada: int, run: RunSummary
) -> None:
    view(units, clock, ada, run, 2)
    clock.advance(90 + GRACE.total_seconds() + 0.5)
    with pytest.raises(TimeUp):
        problems.submit_answer(units, clock, ada, run_id=run.run_id, number=2, raw=0)
    second = units.db.run_problems_of(run.run_id)[1]
    assert (second.outcome, second.attempts_used) == (Outcome.TIMED_OUT, 0)


def test_an_answer_within_the_grace_still_counts(
    units: FakeUnits, clock: FakeClock, ada: int, run: RunSummary
) -> None:
    view(units, clock, ada, run, 1)
    clock.advance(120 + GRACE.total_seconds())
    assert problems.submit_answer(
        units, clock, ada, run_id=run.run_id, number=1, raw="(2, 3, 5)"
    ).correct


def test_a_hint_starts_the_clock_and_is_recorded(
    units: FakeUnits, clock: FakeClock, ada: int, run: RunSummary
) -> None:
    hint = problems.take_hint(units, clock, ada, run_id=run.run_id, number=2)
    assert hint == "Think about gate."
    assert units.committed
    second = units.db.run_problems_of(run.run_id)[1]
    assert second.hint_used_at == clock()
    assert second.deadline is not None
    assert (second.deadline - clock()).total_seconds() == 90
    clock.advance(40)
    shown = view(units, clock, ada, run, 2)
    assert (shown.hint, shown.remaining_seconds) == ("Think about gate.", 50)


def test_settling_ends_a_timed_out_problem_at_its_deadline_plus_the_grace(
    units: FakeUnits, clock: FakeClock, ada: int, run: RunSummary
) -> None:
    view(units, clock, ada, run, 3)
    deadline = clock.now.timestamp() + 90
    clock.advance(3600)  # nobody looked for an hour
    summary = runs.run_summary(units, clock, ada, run_id=run.run_id)
    third = units.db.run_problems_of(run.run_id)[2]
    assert third.outcome is Outcome.TIMED_OUT
    assert third.finished_at is not None
    assert third.finished_at.timestamp() == deadline + GRACE.total_seconds()
    assert summary.problems[2].outcome is Outcome.TIMED_OUT
    assert not summary.finished  # problems 1 and 2 never started: the run is still open


def test_a_run_that_timed_out_ends_when_its_last_problem_did(
    units: FakeUnits, clock: FakeClock, ada: int, run: RunSummary
) -> None:
    for n in (1, 2, 3):
        view(units, clock, ada, run, n)
    started = clock()
    clock.advance(3600)
    summary = runs.run_summary(units, clock, ada, run_id=run.run_id)
    assert summary.finished
    assert not summary.badge_awarded
    ended = units.db.tables.runs[run.run_id].finished_at
    assert ended is not None
    # When the problem with the longest limit (120 s) ended: its deadline plus the grace.
    assert (ended - started).total_seconds() == 120 + GRACE.total_seconds()
    assert units.db.awards_of(ada) == []


def test_all_correct_earns_the_badge_once(
    units: FakeUnits, clock: FakeClock, ada: int, run: RunSummary
) -> None:
    for n, text in RIGHT.items():
        answer(units, clock, ada, run, n, text)
    summary = runs.run_summary(units, clock, ada, run_id=run.run_id)
    assert summary.all_correct
    assert summary.badge_awarded
    [award] = units.db.awards_of(ada)
    assert (award.badge_name, award.run_id) == ("GRU Tester", run.run_id)
    clock.advance(RETAKE_AFTER)
    retake = runs.start_run(units, clock, ada, slug=SLUG)
    for n, text in RIGHT.items():
        answer(units, clock, ada, retake, n, text)
    again = runs.run_summary(units, clock, ada, run_id=retake.run_id)
    assert again.all_correct
    assert not again.badge_awarded
    assert len(units.db.awards_of(ada)) == 1


def test_one_wrong_problem_earns_no_badge(
    units: FakeUnits, clock: FakeClock, ada: int, run: RunSummary
) -> None:
    answer(units, clock, ada, run, 1, RIGHT[1])
    answer(units, clock, ada, run, 2, RIGHT[2])
    answer(units, clock, ada, run, 3, "Alpha answer")  # one attempt: wrong, over
    summary = runs.run_summary(units, clock, ada, run_id=run.run_id)
    assert summary.finished
    assert not summary.badge_awarded
    assert units.db.awards_of(ada) == []
