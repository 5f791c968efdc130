"""Finishing a run and awarding its badge: exactly once per learner and set."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.domain.runs import Outcome, earns_badge, run_is_over
from app.persistence import run_problems
from app.persistence.prepared import Prepared
from app.persistence.tables import AwardRow, ChallengeSetRow, RunProblemRow, RunRow
from app.persistence.unit_of_work import UnitOfWork

# Built once: runs are settled whenever an answer ends a problem, and on views.
_END_AT = Prepared(
    update(RunProblemRow)
    .where(
        RunProblemRow.run_id == bindparam("run"),
        RunProblemRow.position == bindparam("number"),
        RunProblemRow.outcome == Outcome.PENDING.value,
    )
    .values(outcome=bindparam("new_outcome"), finished_at=bindparam("at"))
)
_FINISH = Prepared(
    update(RunRow)
    .where(RunRow.id == bindparam("run"), RunRow.finished_at.is_(None))
    .values(finished_at=bindparam("at"))
)


def settle_run(conn: Connection, run_id: str, now: datetime) -> list[Outcome]:
    """Write down timed-out problems, finish the run when all are over, award its badge."""
    outcomes = []
    for state in run_problems.states(conn, run_id):
        outcome = state.outcome(now)
        if outcome is not state.stored_outcome:
            _end_at(conn, run_id, state.position, outcome, now)
        outcomes.append(outcome)
    if run_is_over(outcomes) and _finish(conn, run_id, now) and earns_badge(outcomes):
        _award(conn, run_id, now)
    return outcomes


def _end_at(conn: Connection, run_id: str, position: int, outcome: Outcome, now: datetime) -> None:
    params = {"run": run_id, "number": position, "new_outcome": outcome.value, "at": now}
    _END_AT.change(conn, params)


def _finish(conn: Connection, run_id: str, now: datetime) -> bool:
    return bool(_FINISH.change(conn, {"run": run_id, "at": now}))


def _award(conn: Connection, run_id: str, now: datetime) -> None:
    user_id, set_id, name, description = conn.execute(
        select(
            RunRow.user_id,
            RunRow.set_id,
            ChallengeSetRow.badge_name,
            ChallengeSetRow.badge_description,
        )
        .join(ChallengeSetRow, ChallengeSetRow.id == RunRow.set_id)
        .where(RunRow.id == run_id)
    ).one()
    held = conn.scalar(
        select(AwardRow.id).where(AwardRow.user_id == user_id, AwardRow.set_id == set_id)
    )
    if held is not None or name is None:
        return  # earned badges stay; a retake does not award a second one
    try:
        with conn.begin_nested():
            conn.execute(
                insert(AwardRow).values(
                    id=str(uuid.uuid4()),
                    user_id=user_id,
                    set_id=set_id,
                    run_id=run_id,
                    badge_name=name,
                    badge_description=description or "",
                    awarded_at=now,
                )
            )
            conn.execute(update(RunRow).where(RunRow.id == run_id).values(badge_awarded=True))
    except IntegrityError:
        return  # a concurrent run of the same learner won the race; one award is enough


@dataclass(frozen=True)
class AwardView:
    id: str
    badge_name: str
    badge_description: str
    set_slug: str
    set_title: str
    topic: str | None
    run_id: str
    awarded_at: datetime


def list_awards(sessions: sessionmaker[Session], learner_id: int) -> list[AwardView]:
    with UnitOfWork(sessions) as uow:
        rows = uow.session.execute(
            select(AwardRow, ChallengeSetRow.slug, ChallengeSetRow.title, ChallengeSetRow.topic)
            .join(ChallengeSetRow, ChallengeSetRow.id == AwardRow.set_id)
            .where(AwardRow.user_id == learner_id)
            .order_by(AwardRow.awarded_at.desc())
        ).all()
        return [
            AwardView(
                award.id,
                award.badge_name,
                award.badge_description,
                slug,
                title,
                topic,
                award.run_id,
                award.awarded_at,
            )
            for award, slug, title, topic in rows
        ]
