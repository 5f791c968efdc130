"""A learner's progress: badges by topic, the learner's level, what to take next, cards due.

Plain rules over plain values; persistence finds the facts (held badges, attempted
sets, due dates) and services put them together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from app.domain.catalog import level_rank as rank
from app.domain.challenge import Level

NO_TOPIC = "General"  # where a set without a `topic` is counted


@dataclass(frozen=True)
class SetStanding:
    """A challenge set as one learner stands with it."""

    slug: str
    title: str
    topic: str
    level: Level  # the catalog's level of the set (app.domain.catalog.level_of)
    badge_held: bool
    attempted: bool  # the learner has started a run of it (finished or not)


def learner_level(standings: Iterable[SetStanding]) -> Level:
    """The learner's level in one topic: the highest level among badges held, or beginner."""
    held = [s.level for s in standings if s.badge_held]
    return max(held, key=rank) if held else Level.BEGINNER


@dataclass(frozen=True)
class TopicProgress:
    topic: str
    level: Level  # the learner's level in this topic
    held: tuple[SetStanding, ...]
    left: tuple[SetStanding, ...]

    @property
    def started(self) -> bool:
        return any(s.attempted or s.badge_held for s in (*self.held, *self.left))


def by_topic(standings: Iterable[SetStanding]) -> list[TopicProgress]:
    """Every topic with a challenge set, by name; sets by level, then title."""
    topics: dict[str, list[SetStanding]] = {}
    for standing in standings:
        topics.setdefault(standing.topic, []).append(standing)
    result = []
    for topic in sorted(topics, key=str.casefold):
        sets = sorted(topics[topic], key=lambda s: (rank(s.level), s.title.casefold()))
        result.append(
            TopicProgress(
                topic=topic,
                level=learner_level(sets),
                held=tuple(s for s in sets if s.badge_held),
                left=tuple(s for s in sets if not s.badge_held),
            )
        )
    return result


class SuggestionKind(StrEnum):
    AT_LEVEL = "at_level"  # an unearned set at the learner's level in a topic they started
    IN_STARTED_TOPIC = "in_started_topic"  # unearned, in a started topic, another level
    ANY_UNEARNED = "any_unearned"  # nothing left in started topics (or none started)
    ALL_EARNED = "all_earned"  # every badge there is, held
    NO_SETS = "no_sets"  # no challenge set to take at all


@dataclass(frozen=True)
class Suggestion:
    kind: SuggestionKind
    standing: SetStanding | None
    reason: str


def suggest_next(standings: Sequence[SetStanding]) -> Suggestion:
    """What to take next.

    In topics the learner started: an unearned set at their level there; else the
    nearest level above it, then below. Among equals, a set not yet attempted first.
    With nothing left there (or no topic started): any unearned set, easiest first.
    """
    if not standings:
        return Suggestion(SuggestionKind.NO_SETS, None, "There are no challenge sets yet.")
    unearned = [s for s in standings if not s.badge_held]
    if not unearned:
        return Suggestion(
            SuggestionKind.ALL_EARNED, None, "You hold every badge there is. Well done!"
        )
    topics = {t.topic: t for t in by_topic(standings) if t.started}
    in_started = [s for s in unearned if s.topic in topics]
    if in_started:
        best = min(in_started, key=lambda s: _fit(s, topics[s.topic].level))
        level = topics[best.topic].level
        if best.level is level:
            kind, why = SuggestionKind.AT_LEVEL, f"next in {best.topic} at your level ({level})"
        else:
            kind, why = SuggestionKind.IN_STARTED_TOPIC, f"next in {best.topic}, which you started"
        return Suggestion(kind, best, why[0].upper() + why[1:] + ".")
    best = min(unearned, key=lambda s: (rank(s.level), s.attempted, _name(s)))
    why = (
        f"A new topic: {best.topic}, {best.level} level."
        if topics
        else f"A place to start: {best.topic}, {best.level} level."
    )
    return Suggestion(SuggestionKind.ANY_UNEARNED, best, why)


def _fit(standing: SetStanding, level: Level) -> tuple[int, int, bool, tuple[str, str]]:
    """Sort key: the learner's level first, then levels above (nearest first), then below."""
    distance = rank(standing.level) - rank(level)
    return (0 if distance >= 0 else 1, abs(distance), standing.attempted, _name(standing))


def _name(standing: SetStanding) -> tuple[str, str]:
    return (standing.topic.casefold(), standing.title.casefold())


# -- flashcards due ------------------------------------------------------------------


def end_of_day(now: datetime) -> datetime:
    """The end of `now`'s day in UTC (the app keeps no time zone per learner)."""
    day = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime.combine(day, time(), tzinfo=UTC)


@dataclass(frozen=True)
class DueCount:
    """One pattern's cards for one learner."""

    cards: int
    due_now: int  # reviewed before and due again by now
    due_today: int  # due by the end of today, due_now included
    new: int  # never reviewed
    next_due: datetime | None  # the earliest reviewed card not yet due

    @property
    def due_later_today(self) -> int:
        return self.due_today - self.due_now


def count_due(due_dates: Iterable[datetime], cards: int, now: datetime) -> DueCount:
    """Count a pattern's cards from the due dates of those the learner reviewed."""
    dates = list(due_dates)
    tonight = end_of_day(now)
    later = [d for d in dates if d > now]
    return DueCount(
        cards=cards,
        due_now=sum(1 for d in dates if d <= now),
        due_today=sum(1 for d in dates if d < tonight),
        new=max(0, cards - len(dates)),
        next_due=min(later, default=None),
    )
