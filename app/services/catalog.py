"""The catalog: every active set with its size, time, level, and the learner's best, badge
and retake wait; narrowed by topic, level and search words, and sorted (`browse`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from app.domain.catalog import CatalogQuery, Sort, level_of, level_rank
from app.domain.challenge import ChallengeSet, Level, SetKind
from app.domain.clock import Clock
from app.domain.errors import NotFound
from app.domain.runs import wait_phrase
from app.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services import retakes


@dataclass(frozen=True)
class BestResult:
    correct: int
    total: int
    run_id: str


@dataclass(frozen=True)
class CatalogEntry:
    challenge_set: ChallengeSet
    problem_count: int
    total_seconds: int
    best: BestResult | None
    badge_earned_at: datetime | None
    open_run_id: str | None  # an unfinished run to continue
    retake_opens_at: datetime | None = None  # a start waits until then (retake_after)
    retake_wait_seconds: int = 0
    loaded_at: datetime | None = None  # first loaded or last changed: "newest"

    @property
    def level(self) -> Level | None:
        return level_of(self.challenge_set)

    @property
    def retake_wait(self) -> str:
        """ "in 7 min": how long until the set opens again, for the page."""
        return wait_phrase(self.retake_wait_seconds)

    @property
    def kind(self) -> SetKind:
        return self.challenge_set.kind


def list_sets(units: UnitOfWorkFactory, clock: Clock, learner_id: int | None) -> list[CatalogEntry]:
    """Every active set, by title."""
    return browse(units, clock, learner_id, CatalogQuery()).entries


@dataclass(frozen=True)
class CatalogPage:
    """The sets a query selects, in its order, and what the filters offer."""

    query: CatalogQuery
    entries: list[CatalogEntry]
    topics: list[str]  # from the loaded sets, A to Z
    active_count: int  # sets in the catalog before filtering

    @property
    def challenges(self) -> list[CatalogEntry]:
        return [entry for entry in self.entries if entry.kind is SetKind.CHALLENGE]

    @property
    def patterns(self) -> list[CatalogEntry]:
        return [entry for entry in self.entries if entry.kind is SetKind.PATTERN]


def browse(
    units: UnitOfWorkFactory, clock: Clock, learner_id: int | None, query: CatalogQuery
) -> CatalogPage:
    """The active sets that match `query` (topic and words in SQL, the level here, since
    a set's level is derived from its problems), with the learner's state, sorted."""
    now = clock()
    with units() as uow:
        stored = uow.sets.active_stored()
        active_count = len(stored)
        topics = uow.catalog.active_topics()
        if query.topic is not None or query.words:
            ids = uow.catalog.matching_set_ids(topic=query.topic, words=query.words)
            stored = [s for s in stored if s.id in ids]
        if query.level is not None:
            stored = [s for s in stored if level_of(s.challenge_set) is query.level]
        tried: set[int] = (
            set() if learner_id is None else uow.catalog.sets_run_by(learner_id=learner_id)
        )
        entries = []
        for found in stored:
            who = learner_id if found.id in tried else None  # never started: nothing to look up
            entry = _entry(uow, found.challenge_set, found.id, who, now)
            entries.append(replace(entry, loaded_at=found.loaded_at))
        uow.commit()  # runs found over while looking are written down as such
    return CatalogPage(
        query=query,
        entries=sort_entries(entries, query.sort),
        topics=topics,
        active_count=active_count,
    )


def sort_entries(entries: list[CatalogEntry], sort: Sort) -> list[CatalogEntry]:
    """Ties, and every sort's second key, go by title (A to Z, any case)."""
    entries = sorted(entries, key=lambda e: e.challenge_set.title.casefold())
    if sort is Sort.LEVEL:
        return sorted(entries, key=lambda e: level_rank(e.level))
    if sort is Sort.NEWEST:
        return sorted(entries, key=lambda e: -(e.loaded_at.timestamp() if e.loaded_at else 0))
    if sort is Sort.NOT_EARNED:
        # Patterns award no badge: they stay among the sets still to do.
        return sorted(entries, key=lambda e: e.badge_earned_at is not None)
    return entries


def get_set(
    units: UnitOfWorkFactory, clock: Clock, learner_id: int | None, slug: str
) -> CatalogEntry:
    now = clock()
    with units() as uow:
        stored = uow.set_content.stored(slug)
        if stored is None or stored.retired:
            raise NotFound(f"There is no set called {slug!r}.")
        entry = _entry(uow, stored.challenge_set, stored.id, learner_id, now)
        uow.commit()
        return entry


def _entry(
    uow: UnitOfWork,
    challenge_set: ChallengeSet,
    set_id: int,
    learner_id: int | None,
    now: datetime,
) -> CatalogEntry:
    best, badge_at, found = None, None, None
    if learner_id is not None and challenge_set.kind is SetKind.CHALLENGE:
        best = _best(uow, set_id, learner_id)
        badge_at = uow.catalog.badge_earned_at(learner_id=learner_id, set_id=set_id)
        found = retakes.standing(
            uow, learner_id=learner_id, set_id=set_id,
            retake_after_seconds=challenge_set.retake_after_seconds, now=now,
        )  # fmt: skip
    waiting = found is not None and found.waiting
    return CatalogEntry(
        challenge_set=challenge_set,
        problem_count=len(challenge_set.positions()),  # a pool is one problem of a run
        total_seconds=challenge_set.total_seconds,
        best=best,
        badge_earned_at=badge_at,
        open_run_id=found.open_run_id if found else None,
        retake_opens_at=found.opens_at if found and waiting else None,
        retake_wait_seconds=found.wait_seconds if found and waiting else 0,
    )


def _best(uow: UnitOfWork, set_id: int, learner_id: int) -> BestResult | None:
    scores = uow.catalog.run_scores(learner_id=learner_id, set_id=set_id)
    if not scores:
        return None
    best = max(scores, key=lambda score: (score.correct, -score.total))
    return BestResult(correct=best.correct, total=best.total, run_id=best.run_id)
