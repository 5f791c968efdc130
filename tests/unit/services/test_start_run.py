"""Starting a run (app.services.runs.start_run) against a FakeUnitOfWork."""

from __future__ import annotations

import pytest

from app.domain.clock import FakeClock
from app.domain.errors import NotFound, RetakeTooSoon, RunOpen
from app.domain.runs import Outcome
from app.services import runs
from app.services.runs import RunSummary
from tests.fake_unit_of_work import FakeUnits
from tests.unit.services.conftest import RETAKE_AFTER, RIGHT, SLUG, answer


def test_a_new_run_holds_one_problem_per_position_and_is_committed(
    units: FakeUnits, clock: FakeClock, ada: int
) -> None:
    summary = runs.start_run(units, clock, ada, slug=SLUG)
    assert units.committed
    assert [p.number for p in summary.problems] == [1, 2, 3]
    assert all(p.outcome is Outcome.PENDING and not p.started for p in summary.problems)
    assert (summary.set_title, summary.badge_name) == ("GRU Test Badge", "GRU Tester")
    stored = units.db.run_problems_of(summary.run_id)
    assert [(p.time_limit_seconds, p.max_attempts) for p in stored] == [
        (120, 2), (90, 2), (90, 1),
    ]  # fmt: skip
    assert all(p.deadline is None for p in stored)  # no clock runs before a view


def test_an_accommodation_stretches_every_limit(units: FakeUnits, clock: FakeClock) -> None:
    slow = units.db.add_learner(time_multiplier=1.5)
    summary = runs.start_run(units, clock, slow, slug=SLUG)
    assert [p.time_limit_seconds for p in summary.problems] == [180, 135, 135]


def test_a_second_start_while_one_is_open_is_refused_and_adds_nothing(
    units: FakeUnits, clock: FakeClock, ada: int, run: RunSummary
) -> None:
    with pytest.raises(RunOpen) as refused:
        runs.start_run(units, clock, ada, slug=SLUG)
    assert refused.value.run_id == run.run_id
    assert not units.committed
    assert list(units.db.tables.runs) == [run.run_id]


def test_a_retake_waits_after_the_run_ends(
    units: FakeUnits, clock: FakeClock, ada: int, run: RunSummary
) -> None:
    for n, text in RIGHT.items():
        answer(units, clock, ada, run, n, text)
    clock.advance(RETAKE_AFTER - 1)
    with pytest.raises(RetakeTooSoon) as refused:
        runs.start_run(units, clock, ada, slug=SLUG)
    assert refused.value.retry_after == 1
    assert len(units.db.tables.runs) == 1
    clock.advance(1)
    again = runs.start_run(units, clock, ada, slug=SLUG)
    assert again.run_id != run.run_id


def test_an_unknown_set_is_not_found(units: FakeUnits, clock: FakeClock, ada: int) -> None:
    with pytest.raises(NotFound):
        runs.start_run(units, clock, ada, slug="nope")
