"""The catalog: every active set with its size, time, and the learner's best and badge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from app.domain.challenge import ChallengeSet, SetKind
from app.domain.clock import Clock
from app.domain.errors import NotFound
from app.domain.runs import wait_phrase
from app.persistence.catalog import badge_earned_at, run_scores
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
    now = clock()
    with UnitOfWork(sessions) as uow:
        stored = SetRepository(uow.session).active_stored()
        entries = [_entry(uow.session, s.challenge_set, s.id, learner_id, now) for s in stored]
        uow.commit()  # runs found over while looking are written down as such
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
        problem_count=len(challenge_set.problems),
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
