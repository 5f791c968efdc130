"""Recall & Review: a learner rates a card (Again / Hard / Good / Easy); FSRS schedules it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import Clock
from app.domain.errors import NotFound
from app.domain.flashcards import Rating, describe_interval, review
from app.persistence.patterns import FlashcardReviews
from app.persistence.unit_of_work import UnitOfWork
from app.services.patterns import load_pattern


@dataclass(frozen=True)
class CardReviewed:
    index: int
    rating: Rating
    due: datetime
    comes_back: str  # "in 10 minutes"


def rate_card(
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    learner_id: int,
    slug: str,
    index: int,
    rating: Rating,
) -> CardReviewed:
    now = clock()
    with UnitOfWork(sessions) as uow:
        set_id, _found, content = load_pattern(uow.session, slug)
        if not 0 <= index < len(content.flashcards):
            raise NotFound("There is no such card.")
        reviews = FlashcardReviews(uow.session)
        outcome = review(reviews.state(learner_id, set_id, index), rating, now)
        reviews.save(
            learner_id, set_id, index, state=outcome.state, due=outcome.due, reviewed_at=now
        )
        uow.commit()
        return CardReviewed(index, rating, outcome.due, describe_interval(outcome.due, now))
