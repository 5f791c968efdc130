"""What the catalog shows a learner beside a challenge: their best run and badge.

Their open run and retake wait: app.persistence.open_runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.domain.runs import Outcome
from app.persistence.tables import AwardRow, RunProblemRow, RunRow


def run_scores(
    session: Session, *, learner_id: int, set_id: int
) -> list[tuple[str, int | None, int]]:
    """Each of the learner's runs of the set: its id, problems correct, problems in all."""
    correct = func.sum(case((RunProblemRow.outcome == Outcome.CORRECT.value, 1), else_=0))
    rows = session.execute(
        select(RunRow.id, correct, func.count(RunProblemRow.id))
        .join(RunProblemRow, RunProblemRow.run_id == RunRow.id)
        .where(RunRow.user_id == learner_id, RunRow.set_id == set_id)
        .group_by(RunRow.id)
    ).all()
    return [(run_id, correct_count, total) for run_id, correct_count, total in rows]


def badge_earned_at(session: Session, *, learner_id: int, set_id: int) -> datetime | None:
    return session.scalar(
        select(AwardRow.awarded_at).where(AwardRow.user_id == learner_id, AwardRow.set_id == set_id)
    )
