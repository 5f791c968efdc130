"""Recall & Review: a learner rates a card (Again / Hard / Good / Easy); FSRS schedules it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.domain.clock import Clock
from app.domain.errors import NotFound
from app.domain.flashcards import Rating, describe_interval, review
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services.patterns import load_pattern


@dataclass(frozen=True)
class CardReviewed:
    index: int
    rating: Rating
    due: datetime
    comes_back: str  # "in 10 minutes"


def rate_card(
    units: UnitOfWorkFactory,
    clock: Clock,
    learner_id: int,
    *,
    slug: str,
    index: int,
    rating: Rating,
) -> CardReviewed:
    now = clock()
    with units() as uow:
        set_id, _found, content = load_pattern(uow, slug)
        if not 0 <= index < len(content.flashcards):
            raise NotFound("There is no such card.")
        reviews = uow.flashcards
        outcome = review(reviews.state(learner_id, set_id, index), rating, now)
        reviews.save(
            learner_id, set_id, index, state=outcome.state, due=outcome.due, reviewed_at=now
        )
        uow.commit()
        return CardReviewed(index, rating, outcome.due, describe_interval(outcome.due, now))
