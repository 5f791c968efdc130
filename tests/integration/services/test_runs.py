"""Runs from start to result: snapshots, badges awarded exactly once, retakes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from app.domain.clock import FakeClock
from app.domain.errors import RunOpen
from app.domain.runs import Outcome
from app.persistence.runs import RunRepository
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import accounts, awards, catalog, problems, runs
from app.services.accounts import Learner
from app.services.runs import RunSummary
from tests.conftest import FAST_HASHER, PASSWORD


def solve(
    units: UnitOfWorkFactory,
    clock: FakeClock,
    who: Learner,
    run: RunSummary,
) -> None:
    correct = {1: "(2, 3, 5)", 2: "Alpha answer", 3: "Charlie answer"}
    for n, text in correct.items():
        shown = problems.view_problem(
            units, clock=clock, learner_id=who.id, run_id=run.run_id, number=n
        )
        raw: object = text if not shown.is_multiple_choice else shown.options.index(text)
        problems.submit_answer(
            units, clock=clock, learner_id=who.id, run_id=run.run_id, number=n, raw=raw
        )


def test_new_run_lists_its_problems(run) -> None:
    assert [p.number for p in run.problems] == [1, 2, 3]
    assert all(p.outcome is Outcome.PENDING for p in run.problems)
    assert run.problems[0].time_limit_seconds == 120


def test_begin_run_starts_the_run_start_run_would_and_gives_its_id(
    units: UnitOfWorkFactory, loaded: object, clock: FakeClock, learner: Learner
) -> None:
    run_id = runs.begin_run(units, clock=clock, learner_id=learner.id, slug="gru-test")
    begun = runs.run_summary(units, clock=clock, learner_id=learner.id, run_id=run_id)
    grace = accounts.register(units, FAST_HASHER, clock=clock, username="grace", password=PASSWORD)
    started = runs.start_run(units, clock=clock, learner_id=grace.id, slug="gru-test")
    assert begun == replace(started, run_id=run_id)
    assert not begun.finished
    assert len(begun.problems) == 3
    with pytest.raises(RunOpen) as refused:  # the same rules: one open run of a set
        runs.begin_run(units, clock=clock, learner_id=learner.id, slug="gru-test")
    assert refused.value.run_id == run_id


def test_perfect_run_awards_the_badge_once(
    units: UnitOfWorkFactory, loaded, clock, learner, run
) -> None:
    solve(units, clock, learner, run)
    summary = runs.run_summary(units, clock=clock, learner_id=learner.id, run_id=run.run_id)
    assert summary.finished
    assert summary.badge_awarded
    assert summary.all_correct
    clock.advance(600)  # the set's retake_after, which holds after a badge too
    retake = runs.start_run(units, clock=clock, learner_id=learner.id, slug="gru-test")
    solve(units, clock, learner, retake)
    again = runs.run_summary(units, clock=clock, learner_id=learner.id, run_id=retake.run_id)
    assert again.all_correct
    assert not again.badge_awarded
    earned = awards.list_awards(units, learner.id)
    assert [a.badge_name for a in earned] == ["GRU Tester"]


def test_run_with_a_timeout_finishes_without_badge(
    units: UnitOfWorkFactory, loaded, clock, learner, run
) -> None:
    for n in (1, 2, 3):
        problems.view_problem(
            units, clock=clock, learner_id=learner.id, run_id=run.run_id, number=n
        )
    clock.advance(600)
    summary = runs.run_summary(units, clock=clock, learner_id=learner.id, run_id=run.run_id)
    assert summary.finished
    assert not summary.badge_awarded
    assert {p.outcome for p in summary.problems} == {Outcome.TIMED_OUT}


def test_catalog_shows_best_result_and_badge(
    units: UnitOfWorkFactory, loaded, clock, learner, run
) -> None:
    solve(units, clock, learner, run)
    entries = {e.challenge_set.slug: e for e in catalog.list_sets(units, clock, learner.id)}
    gru = entries["gru-test"]
    assert gru.best is not None
    assert (gru.best.correct, gru.best.total) == (3, 3)
    assert gru.badge_earned_at is not None
    assert entries["seq-pattern"].best is None


def test_catalog_offers_the_open_run_until_it_ends(units, clock, learner, run) -> None:
    def entry(who: int | None = learner.id) -> catalog.CatalogEntry:
        return catalog.get_set(units, clock, who, "gru-test")

    assert entry().open_run_id == run.run_id
    assert entry(None).open_run_id is None
    solve(units, clock, learner, run)  # every problem answered: the run is over
    assert entry().open_run_id is None
    assert entry().retake_opens_at == clock() + timedelta(seconds=600)


def test_a_start_that_fails_midway_leaves_no_run(
    units: UnitOfWorkFactory,
    loaded: object,
    clock: FakeClock,
    learner: Learner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The run and its problems are one transaction: on SQLite too (where a savepoint
    opening the transaction would have committed the run on its release)."""

    def fail(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    with monkeypatch.context() as patched:
        patched.setattr(RunRepository, "add_problems", fail)
        with pytest.raises(RuntimeError):
            runs.start_run(units, clock=clock, learner_id=learner.id, slug="gru-test")
    started = runs.start_run(units, clock=clock, learner_id=learner.id, slug="gru-test")
    assert len(started.problems) == 3  # no half-started run in the way (RunOpen)
