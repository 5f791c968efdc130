"""Two runs of one learner and set racing to the badge: one award, and no error."""

from __future__ import annotations

import random

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.persistence.awards import AwardRepository
from app.persistence.tables import AwardRow, RunRow
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import runs
from app.services.accounts import Learner
from app.services.runs import RunSummary
from tests.integration.services.conftest import let_run_end


def test_the_second_award_loses_and_the_transaction_goes_on(
    units: UnitOfWorkFactory,
    loaded: sessionmaker[Session],
    clock: FakeClock,
    learner: Learner,
    run: RunSummary,
) -> None:
    let_run_end(units, clock, learner.id, run)
    clock.advance(600)  # the retake wait
    other = runs.start_run(
        units, clock=clock, learner_id=learner.id, slug="gru-test", rng=random.Random(8)
    )
    engine: Engine = loaded.kw["bind"]
    with engine.begin() as conn:
        awards = AwardRepository(conn)
        badge = awards.run_badge(run.run_id)
        assert awards.award_badge(run.run_id, badge, clock())
        assert not awards.award_badge(other.run_id, badge, clock())
        held = conn.scalar(select(func.count(AwardRow.id)))
        marked = conn.scalars(select(RunRow.id).where(RunRow.badge_awarded.is_(True))).all()
    assert held == 1
    assert marked == [run.run_id]
