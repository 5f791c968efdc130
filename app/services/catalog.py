"""The catalog: every active set with its size, time, level, and the learner's best, badge
and retake wait; narrowed by topic, level and search words, and sorted (`browse`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from app.domain.catalog import CatalogQuery, Sort, level_of, level_rank
from app.domain.challenge import ChallengeSet, Level, SetKind
from app.domain.clock import Clock
from app.domain.errors import NotFound
from app.domain.runs import wait_phrase
from app.persistence.catalog import (
    active_topics,
    badge_earned_at,
    matching_set_ids,
    run_scores,
    sets_run_by,
)
from app.persistence.sets import SetRepository
from app.persistence.unit_of_work import UnitOfWork
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


def list_sets(
    sessions: sessionmaker[Session], learner_id: int | None, *, clock: Clock
) -> list[CatalogEntry]:
    """Every active set, by title."""
    return browse(sessions, learner_id, CatalogQuery(), clock=clock).entries


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
    sessions: sessionmaker[Session],
    learner_id: int | None,
    query: CatalogQuery,
    *,
    clock: Clock,
) -> CatalogPage:
    """The active sets that match `query` (topic and words in SQL, the level here, since
    a set's level is derived from its problems), with the learner's state, sorted."""
    now = clock()
    with UnitOfWork(sessions) as uow:
        stored = SetRepository(uow.session).active_stored()
        active_count = len(stored)
        topics = active_topics(uow.session)
        if query.topic is not None or query.words:
            ids = matching_set_ids(uow.session, topic=query.topic, words=query.words)
            stored = [s for s in stored if s.id in ids]
        if query.level is not None:
            stored = [s for s in stored if level_of(s.challenge_set) is query.level]
        tried: set[int] = (
            set() if learner_id is None else sets_run_by(uow.session, learner_id=learner_id)
        )
        entries = []
        for found in stored:
            who = learner_id if found.id in tried else None  # never started: nothing to look up
            entry = _entry(uow.session, found.challenge_set, found.id, who, now)
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
    sessions: sessionmaker[Session],
    slug: str,
    learner_id: int | None,
    *,
    clock: Clock,
) -> CatalogEntry:
    now = clock()
    with UnitOfWork(sessions) as uow:
        stored = SetRepository(uow.session).stored(slug)
        if stored is None or stored.retired:
            raise NotFound(f"There is no set called {slug!r}.")
        entry = _entry(uow.session, stored.challenge_set, stored.id, learner_id, now)
        uow.commit()
        return entry


def _entry(
    session: Session,
    challenge_set: ChallengeSet,
    set_id: int,
    learner_id: int | None,
    now: datetime,
) -> CatalogEntry:
    best, badge_at, found = None, None, None
    if learner_id is not None and challenge_set.kind is SetKind.CHALLENGE:
        best = _best(session, set_id, learner_id)
        badge_at = badge_earned_at(session, learner_id=learner_id, set_id=set_id)
        found = retakes.standing(
            session, learner_id=learner_id, set_id=set_id,
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


def _best(session: Session, set_id: int, learner_id: int) -> BestResult | None:
    rows = run_scores(session, learner_id=learner_id, set_id=set_id)
    if not rows:
        return None
    run_id, best_correct, total = max(rows, key=lambda r: (r[1] or 0, -r[2]))
    return BestResult(correct=best_correct or 0, total=total, run_id=run_id)
