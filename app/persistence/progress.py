"""What progress reads of one learner: badges held, sets attempted, every card's due date.

One query each, over the learner's own rows (indexed by user_id); nothing of another
learner is read. A unit of work hands them out as `uow.progress`, on its connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from app.persistence.tables import AwardRow, FlashcardReviewRow, RunRow


@dataclass(frozen=True)
class CardDue:
    set_id: int
    card_index: int
    due: datetime


class ProgressQueries:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def held_set_ids(self, learner_id: int) -> set[int]:
        """The sets whose badge the learner holds."""
        held = select(AwardRow.set_id).where(AwardRow.user_id == learner_id)
        return set(self._conn.scalars(held))

    def attempted_set_ids(self, learner_id: int) -> set[int]:
        """The sets the learner has started a run of, finished or not."""
        started = select(RunRow.set_id).where(RunRow.user_id == learner_id).distinct()
        return set(self._conn.scalars(started))

    def card_due_dates(self, learner_id: int) -> list[CardDue]:
        """When each card the learner has reviewed, in any pattern, is due again."""
        rows = self._conn.execute(
            select(
                FlashcardReviewRow.set_id, FlashcardReviewRow.card_index, FlashcardReviewRow.due
            ).where(FlashcardReviewRow.user_id == learner_id)
        )
        return [CardDue(set_id=row.set_id, card_index=row.card_index, due=row.due) for row in rows]
