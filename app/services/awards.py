"""Finishing a run and awarding its badge: exactly once per learner and set."""

from __future__ import annotations

from datetime import datetime

from app.domain.runs import Outcome, earns_badge, run_is_over, timed_out_at
from app.persistence.awards import AwardView as AwardView
from app.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory


def settle_run(uow: UnitOfWork, run_id: str, now: datetime) -> list[Outcome]:
    """Write down timed-out problems, finish the run when all are over, award its badge.

    A timed-out problem ended at its deadline plus the grace (not when someone noticed),
    and the run when its last problem ended: the retake wait counts from there.
    """
    outcomes = []
    for state in uow.run_problems.states(run_id):
        outcome = state.outcome(now)
        if outcome is not state.stored_outcome and state.deadline is not None:
            uow.awards.end_problem(run_id, state.position, outcome, timed_out_at(state.deadline))
        outcomes.append(outcome)
    if run_is_over(outcomes) and uow.awards.finish_run(run_id) and earns_badge(outcomes):
        _award(uow, run_id, now)
    return outcomes


def _award(uow: UnitOfWork, run_id: str, now: datetime) -> None:
    badge = uow.awards.run_badge(run_id)
    if badge.name is None or uow.awards.holds_badge(badge.user_id, badge.set_id):
        return  # earned badges stay; a retake does not award a second one
    uow.awards.award_badge(run_id, badge, now)  # False: a concurrent run won; one is enough


def list_awards(units: UnitOfWorkFactory, learner_id: int) -> list[AwardView]:
    with units() as uow:
        return uow.awards.of_learner(learner_id)
