"""Starting a timed run of a challenge set, and summarising one."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from app.domain.challenge import ProblemType, SetKind
from app.domain.clock import Clock
from app.domain.errors import NotFound, RunOpen
from app.domain.runs import Outcome, effective_time_limit, option_order
from app.persistence import open_runs
from app.persistence.revisions import problem_of
from app.persistence.runs import RunProblemRecord, RunRecord, RunRepository
from app.persistence.sets import SetRepository
from app.persistence.unit_of_work import UnitOfWork
from app.services import awards, retakes


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
    """A new run, unless one of the set is open (RunOpen) or its retake waits (RetakeTooSoon)."""
    shuffle = rng or random.SystemRandom()
    now = clock()
    with UnitOfWork(sessions) as uow:
        sets = SetRepository(uow.session)
        found = sets.revisions_to_take(slug)
        if found is None or found.retired or found.kind is not SetKind.CHALLENGE:
            raise NotFound(f"There is no challenge called {slug!r}.")
        retakes.ensure_may_start(
            retakes.standing(
                uow.session, learner_id=learner_id, set_id=found.id,
                retake_after_seconds=found.retake_after_seconds, now=now,
            ),
            found.title,
        )  # fmt: skip
        runs = RunRepository(uow.session)
        multiplier = runs.time_multiplier(learner_id)
        run_id = str(uuid.uuid4())
        if not runs.add(
            run_id=run_id,
            learner_id=learner_id,
            set_id=found.id,
            time_multiplier=multiplier,
            started_at=now,
        ):  # a concurrent start of the same set won
            raise _lost_race(uow.session, learner_id, found.id, found.title)
        for position, revision in enumerate(found.revisions, start=1):
            problem = problem_of(uow.session, revision.id, revision.content_hash)
            order = option_order(len(problem.options), shuffle) if problem.options else None
            runs.add_problem(
                run_id,
                position=position,
                revision_id=revision.id,
                option_order=order,
                time_limit_seconds=effective_time_limit(problem.time_limit_seconds, multiplier),
                max_attempts=problem.max_attempts,
            )
        uow.flush()
        summary = _summary(uow.session, sets, runs, runs.get(run_id))
        uow.commit()
        return summary


def _lost_race(session: Session, learner_id: int, set_id: int, title: str) -> RunOpen:
    others = open_runs.unfinished_run_ids(session, learner_id=learner_id, set_id=set_id)
    if not others:  # the winner ended already: unlikely, but say something true
        return RunOpen("Your run of this set was just started elsewhere; try again.", None)
    return RunOpen(retakes.open_run_message(title), others[0])


def run_summary(
    sessions: sessionmaker[Session], *, clock: Clock, learner_id: int, run_id: str
) -> RunSummary:
    with UnitOfWork(sessions) as uow:
        runs = RunRepository(uow.session)
        run = runs.find(run_id)
        if run is None or run.user_id != learner_id:
            raise NotFound("There is no such run in your history.")
        awards.settle_run(uow.session.connection(), run_id, clock())
        uow.flush()
        summary = _summary(uow.session, SetRepository(uow.session), runs, runs.reload(run_id))
        uow.commit()
        return summary


def _summary(
    session: Session, sets: SetRepository, runs: RunRepository, run: RunRecord
) -> RunSummary:
    """Read through the repositories that started or found the run: they keep its rows."""
    challenge_set = sets.heading(run.set_id)
    records = runs.problems(run.id)
    return RunSummary(
        run_id=run.id,
        set_slug=challenge_set.slug,
        set_title=challenge_set.title,
        badge_name=challenge_set.badge_name,
        started_at=run.started_at,
        finished=run.finished,
        badge_awarded=run.badge_awarded,
        problems=tuple(_problem_summary(session, record) for record in records),
    )


def _problem_summary(session: Session, record: RunProblemRecord) -> RunProblemSummary:
    problem = problem_of(session, record.revision_id, record.content_hash)
    return RunProblemSummary(
        number=record.position,
        title=problem.title,
        type=problem.type,
        level=problem.level.value,
        time_limit_seconds=record.time_limit_seconds,
        max_attempts=record.max_attempts,
        attempts_used=record.attempts_used,
        hint_used=record.hint_used,
        outcome=record.outcome,
        started=record.started,
    )
