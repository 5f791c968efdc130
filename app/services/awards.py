"""Finishing a run and awarding its badge: exactly once per learner and set."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from app.domain.runs import Outcome, earns_badge, run_is_over, timed_out_at
from app.persistence import run_problems
from app.persistence.awards import (
    AwardRepository,
    award_badge,
    end_problem,
    finish_run,
    holds_badge,
    run_badge,
)
from app.persistence.awards import AwardView as AwardView
from app.persistence.unit_of_work import UnitOfWork


def settle_run(conn: Connection, run_id: str, now: datetime) -> list[Outcome]:
    """Write down timed-out problems, finish the run when all are over, award its badge.

    A timed-out problem ended at its deadline plus the grace (not when someone noticed),
    and the run when its last problem ended: the retake wait counts from there.
    """
    outcomes = []
    for state in run_problems.states(conn, run_id):
        outcome = state.outcome(now)
        if outcome is not state.stored_outcome and state.deadline is not None:
            end_problem(conn, run_id, state.position, outcome, timed_out_at(state.deadline))
        outcomes.append(outcome)
    if run_is_over(outcomes) and finish_run(conn, run_id) and earns_badge(outcomes):
        _award(conn, run_id, now)
    return outcomes


def _award(conn: Connection, run_id: str, now: datetime) -> None:
    badge = run_badge(conn, run_id)
    if holds_badge(conn, badge.user_id, badge.set_id) or badge.name is None:
        return  # earned badges stay; a retake does not award a second one
    award_badge(conn, run_id, badge, now)  # False: a concurrent run won; one award is enough


def list_awards(sessions: sessionmaker[Session], learner_id: int) -> list[AwardView]:
    with UnitOfWork(sessions) as uow:
        return AwardRepository(uow.session).of_learner(learner_id)
