"""Accommodations: an admin gives a learner more time on every later problem.

"Later" includes problems of an unfinished run that the learner has not opened yet:
their clock has not started, so the new limit is theirs. A problem on the clock, or
over, keeps the limit it was shown with; the server never moves a running deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.accommodations import checked_multiplier
from app.domain.clock import Clock
from app.domain.errors import NotFound
from app.domain.runs import effective_time_limit
from app.persistence.learners import LearnerRepository
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import audit


@dataclass(frozen=True)
class Accommodation:
    learner_id: int
    username: str
    time_multiplier: float
    previous: float
    problems_updated: int  # unopened problems of unfinished runs given the new limit


def set_time_multiplier(
    units: UnitOfWorkFactory,
    *,
    clock: Clock,
    actor_id: int,
    learner_id: int,
    multiplier: float,
) -> Accommodation:
    value = checked_multiplier(multiplier)
    with units() as uow:
        learners = uow.learners
        account = learners.get(learner_id)
        if account is None:
            raise NotFound("There is no such learner.")
        previous = account.time_multiplier
        learners.set_time_multiplier(learner_id, value)
        updated = _stretch_unopened(learners, learner_id, value)
        audit.record(
            uow,
            at=clock(),
            actor_id=actor_id,
            action=audit.Action.TIME_MULTIPLIER_SET,
            target=account.username,
            detail={"from": previous, "to": value, "problems_updated": updated},
        )
        uow.commit()
        return Accommodation(learner_id, account.username, value, previous, updated)


def _stretch_unopened(learners: LearnerRepository, learner_id: int, multiplier: float) -> int:
    updated = 0
    for unopened in learners.unopened_problems(learner_id):
        limit = effective_time_limit(unopened.problem.time_limit_seconds, multiplier)
        updated += learners.set_time_limit_if_unopened(unopened.id, limit)
    return updated
