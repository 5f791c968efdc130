"""What a badge credential states about its award, and whether the award is still on record.

Nothing of a credential is stored: its facts are read from the award, its learner, its
run and its set each time one is signed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.open_badges import AwardFacts
from app.domain.runs import Outcome
from app.persistence.tables import AwardRow, ChallengeSetRow, RunProblemRow, RunRow, User


@dataclass(frozen=True)
class OwnedAward:
    """What a credential states about an award, and whose award it is."""

    facts: AwardFacts
    learner_id: int


class AwardCredentials:
    """The facts behind badge credentials, on one unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def award(self, award_id: str) -> OwnedAward | None:
        """The award's facts and its learner; None if there is none."""
        return _award(self._session, award_id)

    def on_record(self, award_id: str) -> bool:
        return self._session.get(AwardRow, award_id) is not None


def _award(session: Session, award_id: str) -> OwnedAward | None:
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
            func.count(RunProblemRow.id).label("problems"),
            func.count(RunProblemRow.hint_used_at).label("hints"),
            func.coalesce(func.sum(RunProblemRow.attempts_used), 0).label("attempts"),
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
        problems=int(usage.problems),
        correct=int(correct or 0),
        attempts_used=int(usage.attempts),
        hints_used=int(usage.hints),
    )
    return OwnedAward(facts, award.user_id)
