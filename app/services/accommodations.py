"""Accommodations: an admin gives a learner more time on every later problem.

"Later" includes problems of an unfinished run that the learner has not opened yet:
their clock has not started, so the new limit is theirs. A problem on the clock, or
over, keeps the limit it was shown with; the server never moves a running deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.domain.accommodations import checked_multiplier
from app.domain.clock import Clock
from app.domain.errors import NotFound
from app.domain.runs import Outcome, effective_time_limit
from app.persistence.revisions import problem_of
from app.persistence.tables import ProblemRevisionRow, RunProblemRow, RunRow, User
from app.persistence.unit_of_work import UnitOfWork
from app.services import audit


@dataclass(frozen=True)
class Accommodation:
    learner_id: int
    username: str
    time_multiplier: float
    previous: float
    problems_updated: int  # unopened problems of unfinished runs given the new limit


def set_time_multiplier(
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    actor_id: int,
    learner_id: int,
    multiplier: float,
) -> Accommodation:
    value = checked_multiplier(multiplier)
    with UnitOfWork(sessions) as uow:
        user = uow.session.get(User, learner_id)
        if user is None:
            raise NotFound("There is no such learner.")
        previous = user.time_multiplier
        user.time_multiplier = value
        updated = _stretch_unopened(uow.session, learner_id, value)
        audit.record(
            uow.session,
            at=clock(),
            actor_id=actor_id,
            action=audit.Action.TIME_MULTIPLIER_SET,
            target=user.username,
            detail={"from": previous, "to": value, "problems_updated": updated},
        )
        uow.commit()
        return Accommodation(learner_id, user.username, value, previous, updated)


def _stretch_unopened(session: Session, learner_id: int, multiplier: float) -> int:
    rows = session.execute(
        select(RunProblemRow.id, RunProblemRow.revision_id, ProblemRevisionRow.content_hash)
        .join(RunRow, RunRow.id == RunProblemRow.run_id)
        .join(ProblemRevisionRow, ProblemRevisionRow.id == RunProblemRow.revision_id)
        .where(
            RunRow.user_id == learner_id,
            RunRow.finished_at.is_(None),
            RunProblemRow.deadline.is_(None),
            RunProblemRow.outcome == Outcome.PENDING.value,
        )
    ).all()
    updated = 0
    for row in rows:
        problem = problem_of(session, row.revision_id, row.content_hash)
        # Guarded like run_problems: a problem opened meanwhile keeps the limit it was shown.
        result = session.execute(
            update(RunProblemRow)
            .where(RunProblemRow.id == row.id, RunProblemRow.deadline.is_(None))
            .values(time_limit_seconds=effective_time_limit(problem.time_limit_seconds, multiplier))
        )
        updated += int(getattr(result, "rowcount", 0) or 0)
    return updated
