"""A learner's own progress on pattern sets: flashcard review states and test sittings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.pattern_tests import QuestionRef
from app.persistence.tables import FlashcardReviewRow, PatternTestRow

_Card = tuple[int, int, int]  # learner, set, card index


class FlashcardReviews:
    """Review states by learner, set and card; saving a card read here updates its row."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows: dict[_Card, FlashcardReviewRow | None] = {}

    def due_dates(self, learner_id: int, set_id: int) -> dict[int, datetime]:
        """When each card the learner has rated is due again, by card index."""
        rows = self._session.execute(
            select(FlashcardReviewRow.card_index, FlashcardReviewRow.due).where(
                FlashcardReviewRow.user_id == learner_id,
                FlashcardReviewRow.set_id == set_id,
            )
        ).all()
        return {index: when for index, when in rows}

    def state(self, learner_id: int, set_id: int, index: int) -> dict[str, Any] | None:
        row = self._row((learner_id, set_id, index))
        return row.state if row else None

    def save(
        self,
        learner_id: int,
        set_id: int,
        index: int,
        *,
        state: dict[str, Any],
        due: datetime,
        reviewed_at: datetime,
    ) -> None:
        card = (learner_id, set_id, index)
        row = self._row(card)
        if row is None:
            row = FlashcardReviewRow(user_id=learner_id, set_id=set_id, card_index=index)
            self._session.add(row)
            self._rows[card] = row
        row.state, row.due, row.reviewed_at = state, due, reviewed_at

    def _row(self, card: _Card) -> FlashcardReviewRow | None:
        if card not in self._rows:
            learner_id, set_id, index = card
            self._rows[card] = self._session.scalars(
                select(FlashcardReviewRow).where(
                    FlashcardReviewRow.user_id == learner_id,
                    FlashcardReviewRow.set_id == set_id,
                    FlashcardReviewRow.card_index == index,
                )
            ).one_or_none()
        return self._rows[card]


@dataclass(frozen=True)
class PatternTestRecord:
    """A "Test this pattern" sitting: the drawn questions, the answers, the score."""

    id: str
    user_id: int
    set_id: int
    questions: tuple[QuestionRef, ...]
    answers: Mapping[str, Any]
    finished: bool
    score: int | None


class PatternTests:
    def __init__(self, session: Session) -> None:
        self._session = session
        # The session holds rows only weakly; a sitting found here is kept, so
        # finishing it in the same unit of work costs no second read.
        self._kept: dict[str, PatternTestRow] = {}

    def add(
        self,
        *,
        test_id: str,
        learner_id: int,
        set_id: int,
        questions: Sequence[QuestionRef],
        started_at: datetime,
    ) -> None:
        self._session.add(
            PatternTestRow(
                id=test_id,
                user_id=learner_id,
                set_id=set_id,
                questions=[{"source": ref.source, "index": ref.index} for ref in questions],
                answers={},
                started_at=started_at,
            )
        )

    def find(self, test_id: str) -> PatternTestRecord | None:
        row = self._session.get(PatternTestRow, test_id)
        if row is None:
            return None
        self._kept[test_id] = row
        return _record(row)

    def finish(
        self, test_id: str, *, answers: Mapping[str, int | None], score: int, finished_at: datetime
    ) -> PatternTestRecord:
        row = self._session.get_one(PatternTestRow, test_id)
        row.answers = dict(answers)
        row.score = score
        row.finished_at = finished_at
        return _record(row)


def _record(row: PatternTestRow) -> PatternTestRecord:
    return PatternTestRecord(
        id=row.id,
        user_id=row.user_id,
        set_id=row.set_id,
        questions=tuple(QuestionRef(q["source"], q["index"]) for q in row.questions),
        answers=dict(row.answers),
        finished=row.finished_at is not None,
        score=row.score,
    )
