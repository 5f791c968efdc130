from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.clock import FakeClock
from app.domain.runs import GRACE
from app.persistence.database import Database
from app.persistence.engine import make_engine
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import accounts, problems, runs
from app.services.runs import RunSummary
from tests.conftest import FAST_HASHER, PASSWORD


@pytest.fixture
def learner(
    units: UnitOfWorkFactory, loaded: sessionmaker[Session], clock: FakeClock
) -> accounts.Learner:
    return accounts.register(units, FAST_HASHER, clock=clock, username="ada", password=PASSWORD)


@pytest.fixture
def run(
    units: UnitOfWorkFactory,
    loaded: sessionmaker[Session],
    clock: FakeClock,
    learner: accounts.Learner,
) -> RunSummary:
    return runs.start_run(
        units, clock=clock, learner_id=learner.id, slug="gru-test", rng=random.Random(7)
    )


def let_run_end(
    units: UnitOfWorkFactory, clock: FakeClock, learner_id: int, run: RunSummary
) -> None:
    """View every problem (starting its clock), then let every clock and its grace run out."""
    for problem in run.problems:
        problems.view_problem(
            units, clock=clock, learner_id=learner_id, run_id=run.run_id, number=problem.number
        )
    clock.advance(max(p.time_limit_seconds for p in run.problems) + GRACE.total_seconds() + 1)
    assert runs.run_summary(units, clock=clock, learner_id=learner_id, run_id=run.run_id).finished


@pytest.fixture
def other_process(settings: Settings) -> Iterator[UnitOfWorkFactory]:
    """A second engine on the same database, as another app process has."""
    engine = make_engine(settings.database_url)
    yield Database(engine).units
    engine.dispose()


def blocked_on_a_lock(units: UnitOfWorkFactory) -> bool:
    """Whether a session of this PostgreSQL database waits for a lock (to line up a race)."""
    with units() as uow:
        waiting = uow.connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar_one()
    return bool(waiting)
