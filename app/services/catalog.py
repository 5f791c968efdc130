"""The catalog: every active set with its size, time, and the learner's best and badge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from app.domain.challenge import ChallengeSet, SetKind
from app.domain.errors import NotFound
from app.persistence.catalog import badge_earned_at, open_run_id, run_scores
from app.persistence.sets import SetRepository
from app.persistence.unit_of_work import UnitOfWork


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

    @property
    def kind(self) -> SetKind:
        return self.challenge_set.kind


def list_sets(sessions: sessionmaker[Session], learner_id: int | None) -> list[CatalogEntry]:
    with UnitOfWork(sessions) as uow:
        stored = SetRepository(uow.session).active_stored()
        return [_entry(uow.session, s.challenge_set, s.id, learner_id) for s in stored]


def get_set(sessions: sessionmaker[Session], slug: str, learner_id: int | None) -> CatalogEntry:
    with UnitOfWork(sessions) as uow:
        stored = SetRepository(uow.session).stored(slug)
        if stored is None or stored.retired:
            raise NotFound(f"There is no set called {slug!r}.")
        return _entry(uow.session, stored.challenge_set, stored.id, learner_id)


def _entry(
    session: Session, challenge_set: ChallengeSet, set_id: int, learner_id: int | None
) -> CatalogEntry:
    best, badge_at, open_run = None, None, None
    if learner_id is not None and challenge_set.kind is SetKind.CHALLENGE:
        best = _best(session, set_id, learner_id)
        badge_at = badge_earned_at(session, learner_id=learner_id, set_id=set_id)
        open_run = open_run_id(session, learner_id=learner_id, set_id=set_id)
    return CatalogEntry(
        challenge_set=challenge_set,
        problem_count=len(challenge_set.positions()),  # a pool is one problem of a run
        total_seconds=challenge_set.total_seconds,
        best=best,
        badge_earned_at=badge_at,
        open_run_id=open_run,
    )


def _best(session: Session, set_id: int, learner_id: int) -> BestResult | None:
    rows = run_scores(session, learner_id=learner_id, set_id=set_id)
    if not rows:
        return None
    run_id, best_correct, total = max(rows, key=lambda r: (r[1] or 0, -r[2]))
    return BestResult(correct=best_correct or 0, total=total, run_id=run_id)
