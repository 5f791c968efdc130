"""Extra time: later problems get it, running ones keep their limit, and it is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.domain.errors import InvalidInput, NotFound
from app.persistence.tables import RunProblemRow
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import accommodations, audit, problems, runs
from tests.conftest import unit_of
from tests.integration.admin.history import History, Take


def limits(sessions: sessionmaker[Session], run_id: str) -> list[float]:
    with unit_of(sessions) as uow:
        return list(
            uow.session.scalars(
                select(RunProblemRow.time_limit_seconds)
                .where(RunProblemRow.run_id == run_id)
                .order_by(RunProblemRow.position)
            )
        )


def test_multiplier_applies_to_every_later_problem(
    units: UnitOfWorkFactory, history: History, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    admin = history.learner("root", admin=True)
    ada = history.learner("ada")
    # An open run: problem 1 on the clock, 2 and 3 not opened yet.
    open_run = history.run(ada, "gru-test", [Take(("(2, 5)",)), None, None], at=clock.now)
    result = accommodations.set_time_multiplier(
        units, clock=clock, actor_id=admin, learner_id=ada, multiplier=1.5
    )
    assert (result.previous, result.time_multiplier, result.problems_updated) == (1.0, 1.5, 2)
    assert limits(loaded, open_run) == [120, 135, 135]
    for n in (2, 3):  # the open run ends (its clocks run out) before a later run can start
        problems.view_problem(units, clock=clock, learner_id=ada, run_id=open_run, number=n)
    clock.advance(140 + 600)  # past every deadline, then the set's retake wait
    later = runs.start_run(units, clock=clock, learner_id=ada, slug="gru-test")
    assert [p.time_limit_seconds for p in later.problems] == [180, 135, 135]
    (entry,) = audit.entries(units).items
    assert (entry.actor, entry.action, entry.target) == (
        "root",
        audit.Action.TIME_MULTIPLIER_SET,
        "ada",
    )
    assert entry.detail == {"from": 1.0, "to": 1.5, "problems_updated": 2}


def test_refusals(
    units: UnitOfWorkFactory, history: History, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    admin = history.learner("root", admin=True)
    with pytest.raises(InvalidInput):
        accommodations.set_time_multiplier(
            units, clock=clock, actor_id=admin, learner_id=admin, multiplier=0.5
        )
    with pytest.raises(NotFound):
        accommodations.set_time_multiplier(
            units, clock=clock, actor_id=admin, learner_id=999, multiplier=1.5
        )
