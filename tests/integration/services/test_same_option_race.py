"""Review finding (PostgreSQL): two answers with the same wrong option at once (a double
click, two tabs) must use one attempt, as on SQLite; the second is "already tried".

On PostgreSQL the second guarded UPDATE waits for the first's row lock, then re-checks
its WHERE on the new row version, but its NOT EXISTS (same option tried) reads the
attempts as of the statement's start, so it passes and a second attempt is used."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from app.domain.clock import FakeClock
from app.domain.errors import AnswerNotUnderstood
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import problems
from app.services.accounts import Learner
from app.services.runs import RunSummary
from tests.integration.services.conftest import blocked_on_a_lock


def test_the_same_option_twice_at_once_uses_one_attempt(
    database_engine: str,
    units: UnitOfWorkFactory,
    other_process: UnitOfWorkFactory,
    loaded,
    clock: FakeClock,
    learner: Learner,
    run: RunSummary,
) -> None:
    if database_engine != "postgresql":
        pytest.skip("SQLite has one writer: the second answer starts after the first commits")
    shown = problems.view_problem(
        units, clock=clock, learner_id=learner.id, run_id=run.run_id, number=2
    )
    wrong = next(i for i, t in enumerate(shown.options) if t != "Alpha answer")
    with units() as first, ThreadPoolExecutor(1) as pool:
        found = first.run_problems.facts(run_id=run.run_id, number=2, learner_id=learner.id)
        option = found.option_order[wrong] if found.option_order else wrong
        taken = first.run_problems.use_attempt(found.id, clock(), option)
        assert taken is not None
        first.run_problems.record_attempt(found.id, taken.number, clock(), "x", option, False)
        second = pool.submit(
            problems.submit_answer,
            other_process, clock=clock, learner_id=learner.id, run_id=run.run_id,
            number=2, raw=wrong,
        )  # fmt: skip
        while not blocked_on_a_lock(units):  # synchronisation only: it waits for our lock
            assert not second.done(), second.exception()
        first.commit()
    with pytest.raises(AnswerNotUnderstood, match="already tried"):
        second.result(timeout=30)
    after = problems.view_problem(
        units, clock=clock, learner_id=learner.id, run_id=run.run_id, number=2
    )
    assert after.attempts_left == 1
