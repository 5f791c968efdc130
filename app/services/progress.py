"""A learner's progress page and their "Review due cards" session across all patterns.

Facts come from persistence (app.persistence.progress), rules from the domain
(app.domain.progress); ratings are recorded by app.services.flashcards as on a pattern page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.domain.catalog import level_of
from app.domain.challenge import ChallengeSet, Flashcard, Level, SetKind
from app.domain.clock import Clock
from app.domain.flashcards import describe_interval
from app.domain.progress import (
    NO_TOPIC,
    DueCount,
    SetStanding,
    Suggestion,
    TopicProgress,
    by_topic,
    count_due,
    suggest_next,
)
from app.persistence.progress import CardDue
from app.persistence.sets import StoredSet
from app.persistence.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class PatternProgress:
    slug: str
    title: str
    topic: str
    due: DueCount


@dataclass(frozen=True)
class Progress:
    topics: tuple[TopicProgress, ...]
    patterns: tuple[PatternProgress, ...]
    suggestion: Suggestion
    now: datetime

    @property
    def badges_held(self) -> int:
        return sum(len(topic.held) for topic in self.topics)

    @property
    def due_now(self) -> int:
        return sum(p.due.due_now for p in self.patterns)

    @property
    def due_today(self) -> int:
        return sum(p.due.due_today for p in self.patterns)

    @property
    def next_due(self) -> datetime | None:
        return min((p.due.next_due for p in self.patterns if p.due.next_due), default=None)

    @property
    def next_due_in(self) -> str | None:
        """ "in 3 days": when the next card not yet due comes due."""
        return describe_interval(self.next_due, self.now) if self.next_due else None

    @property
    def is_new(self) -> bool:
        """Nothing done yet: no set started, no card reviewed."""
        return not any(t.started for t in self.topics) and all(
            p.due.new == p.due.cards for p in self.patterns
        )


def learner_progress(units: UnitOfWorkFactory, clock: Clock, learner_id: int) -> Progress:
    now = clock()
    with units() as uow:
        stored = uow.sets.active_stored()
        held = uow.progress.held_set_ids(learner_id)
        attempted = uow.progress.attempted_set_ids(learner_id)
        due = _due_by_set(uow.progress.card_due_dates(learner_id))
    standings = [
        _standing(s.challenge_set, s.id in held, s.id in attempted)
        for s in stored
        if s.challenge_set.kind is SetKind.CHALLENGE and s.challenge_set.badge is not None
    ]
    patterns = tuple(
        PatternProgress(
            slug=s.challenge_set.slug,
            title=s.challenge_set.title,
            topic=s.challenge_set.topic or NO_TOPIC,
            due=count_due(_kept(due.get(s.id, {}), len(_cards(s))).values(), len(_cards(s)), now),
        )
        for s in _patterns(stored)
    )
    return Progress(tuple(by_topic(standings)), patterns, suggest_next(standings), now)


@dataclass(frozen=True)
class DueCard:
    slug: str
    pattern_title: str
    index: int
    card: Flashcard


@dataclass(frozen=True)
class ReviewQueue:
    """The cards due now across every pattern, in order: patterns by title, cards as filed."""

    cards: tuple[DueCard, ...]
    next_due: datetime | None  # the earliest card due later, for "nothing due" pages
    now: datetime

    @property
    def next_due_in(self) -> str | None:
        return describe_interval(self.next_due, self.now) if self.next_due else None

    @property
    def current(self) -> DueCard | None:
        return self.cards[0] if self.cards else None


def review_queue(units: UnitOfWorkFactory, clock: Clock, learner_id: int) -> ReviewQueue:
    now = clock()
    with units() as uow:
        stored = uow.sets.active_stored()
        due = _due_by_set(uow.progress.card_due_dates(learner_id))
    cards: list[DueCard] = []
    later: list[datetime] = []
    for found in _patterns(stored):
        flashcards = _cards(found)
        for index, when in sorted(_kept(due.get(found.id, {}), len(flashcards)).items()):
            if when <= now:
                title = found.challenge_set.title
                cards.append(DueCard(found.challenge_set.slug, title, index, flashcards[index]))
            else:
                later.append(when)
    return ReviewQueue(tuple(cards), min(later, default=None), now)


def _standing(challenge_set: ChallengeSet, held: bool, attempted: bool) -> SetStanding:
    return SetStanding(
        slug=challenge_set.slug,
        title=challenge_set.title,
        topic=challenge_set.topic or NO_TOPIC,
        level=level_of(challenge_set) or Level.BEGINNER,
        badge_held=held,
        attempted=attempted,
    )


def _patterns(stored: list[StoredSet]) -> list[StoredSet]:
    """Pattern sets with flashcards, by title."""
    return sorted((s for s in stored if _cards(s)), key=lambda s: s.challenge_set.title.casefold())


def _cards(stored: StoredSet) -> tuple[Flashcard, ...]:
    pattern = stored.challenge_set.pattern
    return pattern.flashcards if pattern else ()


def _due_by_set(rows: list[CardDue]) -> dict[int, dict[int, datetime]]:
    due: dict[int, dict[int, datetime]] = {}
    for row in rows:
        due.setdefault(row.set_id, {})[row.card_index] = row.due
    return due


def _kept(due: dict[int, datetime], cards: int) -> dict[int, datetime]:
    """The due dates of cards the pattern still has (its file may have lost some since)."""
    return {index: when for index, when in due.items() if index < cards}
