"""What a badge credential states about its award, and whether the award is still on record.

Nothing of a credential is stored: its facts are read from the award, its learner, its
run and its set each time one is signed.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.open_badges import AwardFacts
from app.domain.runs import Outcome
from app.persistence.tables import AwardRow, ChallengeSetRow, RunProblemRow, RunRow, User


def award_facts(session: Session, award_id: str) -> tuple[AwardFacts, int] | None:
    """The award's facts and the id of the learner it belongs to; None if there is none."""
    row = session.execute(
        select(AwardRow, User.username, ChallengeSetRow, RunRow)
        .join(User, User.id == AwardRow.user_id)
        .join(ChallengeSetRow, ChallengeSetRow.id == AwardRow.set_id)
        .join(RunRow, RunRow.id == AwardRow.run_id)
        .where(AwardRow.id == award_id)
    ).one_or_none()
    if row is None:
        return None
    award, username, challenge_set, run = row
    usage = session.execute(
        select(
            func.count(RunProblemRow.id),
            func.count(RunProblemRow.hint_used_at),
            func.coalesce(func.sum(RunProblemRow.attempts_used), 0),
        ).where(RunProblemRow.run_id == run.id)
    ).one()
    correct = session.scalar(
        select(func.count(RunProblemRow.id)).where(
            RunProblemRow.run_id == run.id, RunProblemRow.outcome == Outcome.CORRECT.value
        )
    )
    facts = AwardFacts(
        award_id=award.id,
        learner=username,
        badge_name=award.badge_name,
        badge_description=award.badge_description,
        set_slug=challenge_set.slug,
        set_title=challenge_set.title,
        topic=challenge_set.topic,
        awarded_at=award.awarded_at,
        run_id=run.id,
        run_started_at=run.started_at,
        run_finished_at=run.finished_at,
        problems=int(usage[0]),
        correct=int(correct or 0),
        attempts_used=int(usage[2]),
        hints_used=int(usage[1]),
    )
    return facts, award.user_id


def award_on_record(session: Session, award_id: str) -> bool:
    return session.get(AwardRow, award_id) is not None
