"""The admin front page's counts, read straight from a known history."""

from __future__ import annotations

from datetime import timedelta

from app.domain.clock import FakeClock
from app.persistence.dashboard import Totals
from app.persistence.unit_of_work import UnitOfWorkFactory
from tests.integration.admin.history import History, Take

PERFECT = [Take(("(2, 3, 5)",)), Take((0,)), Take((2,))]


def test_totals_count_everything_and_what_is_recent(
    history: History, units: UnitOfWorkFactory, clock: FakeClock
) -> None:
    ann, bob = history.learner("ann"), history.learner("bob")
    history.learner("root", admin=True)
    history.run(ann, "gru-test", PERFECT)  # two days ago: the badge
    history.run(bob, "gru-test", [Take(("(2, 5)",)), None, None], at=clock.now - timedelta(days=9))
    with units() as uow:
        week = uow.site_counts.totals(clock.now - timedelta(days=7))
        today = uow.site_counts.totals(clock.now - timedelta(days=1))
    assert week == Totals(learners=3, admins=1, runs=2, runs_since=1, awards=1, awards_since=1)
    assert (today.runs_since, today.awards_since) == (0, 0)
