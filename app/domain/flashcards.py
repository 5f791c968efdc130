"""Spaced repetition for Recall & Review cards, scheduled by FSRS (the `fsrs` package).

A card's state is a plain dict (FSRS's own serialisation) so persistence stores it as
JSON; fuzzing is off so the same ratings give the same schedule (and tests agree).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from functools import lru_cache
from typing import Any, cast

import fsrs


class Rating(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


@dataclass(frozen=True)
class Review:
    state: dict[str, Any]
    due: datetime


@lru_cache(maxsize=1)
def _scheduler() -> fsrs.Scheduler:
    return fsrs.Scheduler(enable_fuzzing=False)


def review(state: dict[str, Any] | None, rating: Rating, now: datetime) -> Review:
    card = fsrs.Card.from_dict(cast(Any, state)) if state else fsrs.Card(card_id=1, due=now)
    card, _log = _scheduler().review_card(card, fsrs.Rating(int(rating)), review_datetime=now)
    return Review(state=dict(card.to_dict()), due=card.due)


def describe_interval(due: datetime, now: datetime) -> str:
    """ "in 10 minutes", "in 3 days": when the card comes back."""
    seconds = max(0.0, (due - now).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size)
            return f"in {count} {unit}{'s' if count != 1 else ''}"
    return "in under a minute"


def is_due(due: datetime | None, now: datetime) -> bool:
    return due is None or due <= now
