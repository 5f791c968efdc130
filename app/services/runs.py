"""Starting a timed run of a challenge set, and summarising one."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.challenge import ProblemType, SetKind
from app.domain.clock import Clock
from app.domain.errors import NotFound
from app.domain.runs import Outcome, effective_time_limit, option_order
from app.persistence.revisions import problem_of
from app.persistence.sets import SetRepository
from app.persistence.tables import ChallengeSetRow, RunProblemRow, RunRow, User
from app.persistence.unit_of_work import UnitOfWork
from app.services import awards


@dataclass(frozen=True)
class RunProblemSummary:
    number: int
    title: str
    type: ProblemType
    level: str
    time_limit_seconds: float
    max_attempts: int
    attempts_used: int
    hint_used: bool
    outcome: Outcome
    started: bool


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    set_slug: str
    set_title: str
    badge_name: str | None
    started_at: datetime
    finished: bool
    badge_awarded: bool
    problems: tuple[RunProblemSummary, ...]

    @property
    def correct_count(self) -> int:
        return sum(1 for p in self.problems if p.outcome is Outcome.CORRECT)

    @property
    def all_correct(self) -> bool:
        return self.correct_count == len(self.problems) > 0

    @property
    def next_number(self) -> int | None:
        """The first problem still to do, for "Continue"."""
        return next((p.number for p in self.problems if p.outcome is Outcome.PENDING), None)


def start_run(
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    learner_id: int,
    slug: str,
    rng: random.Random | None = None,
) -> RunSummary:
    shuffle = rng or random.SystemRandom()
    with UnitOfWork(sessions) as uow:
        repo = SetRepository(uow.session)
        row = repo.row_by_slug(slug)
        if row is None or row.retired_at is not None or row.kind != SetKind.CHALLENGE.value:
            raise NotFound(f"There is no challenge called {slug!r}.")
        user = uow.session.get_one(User, learner_id)
        run = RunRow(
            id=str(uuid.uuid4()),
            user_id=learner_id,
            set_id=row.id,
            time_multiplier=user.time_multiplier,
            started_at=clock(),
        )
        uow.session.add(run)
        for position, revision in enumerate(repo.current_revisions(row), start=1):
            problem = problem_of(uow.session, revision.id, revision.content_hash)
            order = option_order(len(problem.options), shuffle) if problem.options else None
            uow.session.add(
                RunProblemRow(
                    run_id=run.id,
                    position=position,
                    revision_id=revision.id,
                    option_order=order,
                    time_limit_seconds=effective_time_limit(
                        problem.time_limit_seconds, user.time_multiplier
                    ),
                    max_attempts=problem.max_attempts,
                )
            )
        uow.flush()
        summary = _summary(uow.session, run, clock())
        uow.commit()
        return summary


def run_summary(
    sessions: sessionmaker[Session], *, clock: Clock, learner_id: int, run_id: str
) -> RunSummary:
    with UnitOfWork(sessions) as uow:
        run = uow.session.get(RunRow, run_id)
        if run is None or run.user_id != learner_id:
            raise NotFound("There is no such run in your history.")
        awards.settle_run(uow.session.connection(), run_id, clock())
        uow.flush()
        uow.session.refresh(run)
        summary = _summary(uow.session, run, clock())
        uow.commit()
        return summary


def _summary(session: Session, run: RunRow, now: datetime) -> RunSummary:
    challenge_set = session.get_one(ChallengeSetRow, run.set_id)
    rows = session.scalars(
        select(RunProblemRow).where(RunProblemRow.run_id == run.id).order_by(RunProblemRow.position)
    ).all()
    problems = []
    for row in rows:
        problem = problem_of(session, row.revision_id, row.revision.content_hash)
        problems.append(
            RunProblemSummary(
                number=row.position,
                title=problem.title,
                type=problem.type,
                level=problem.level.value,
                time_limit_seconds=row.time_limit_seconds,
                max_attempts=row.max_attempts,
                attempts_used=row.attempts_used,
                hint_used=row.hint_used_at is not None,
                outcome=Outcome(row.outcome),
                started=row.deadline is not None,
            )
        )
    return RunSummary(
        run_id=run.id,
        set_slug=challenge_set.slug,
        set_title=challenge_set.title,
        badge_name=challenge_set.badge_name,
        started_at=run.started_at,
        finished=run.finished_at is not None,
        badge_awarded=run.badge_awarded,
        problems=tuple(problems),
    )
