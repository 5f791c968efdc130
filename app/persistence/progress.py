"""What progress reads of one learner: badges held, sets attempted, every card's due date.

One query each, over the learner's own rows (indexed by user_id); nothing of another
learner is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.persistence.tables import AwardRow, FlashcardReviewRow, RunRow


@dataclass(frozen=True)
class CardDue:
    set_id: int
    card_index: int
    due: datetime


def held_set_ids(session: Session, learner_id: int) -> set[int]:
    """The sets whose badge the learner holds."""
    return set(session.scalars(select(AwardRow.set_id).where(AwardRow.user_id == learner_id)))


def attempted_set_ids(session: Session, learner_id: int) -> set[int]:
    """The sets the learner has started a run of, finished or not."""
    return set(
        session.scalars(select(RunRow.set_id).where(RunRow.user_id == learner_id).distinct())
    )


def card_due_dates(session: Session, learner_id: int) -> list[CardDue]:
    """When each card the learner has reviewed, in any pattern, is due again."""
    rows = session.execute(
        select(
            FlashcardReviewRow.set_id, FlashcardReviewRow.card_index, FlashcardReviewRow.due
        ).where(FlashcardReviewRow.user_id == learner_id)
    ).all()
    return [CardDue(set_id, index, due) for set_id, index, due in rows]
