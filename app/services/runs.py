"""Starting a timed run of a challenge set, and summarising one."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from app.domain.challenge import ProblemType, SetKind
from app.domain.clock import Clock
from app.domain.errors import NotFound, RunOpen
from app.domain.runs import Outcome, effective_time_limit, option_order
from app.domain.variants import draw
from app.persistence.runs import NewRunProblem, RunProblemRecord, RunRecord
from app.persistence.sets import SetRevisions
from app.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory
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
    units: UnitOfWorkFactory,
    clock: Clock,
    learner_id: int,
    *,
    slug: str,
    rng: random.Random | None = None,
) -> RunSummary:
    """A new run, unless one of the set is open (RunOpen) or its retake waits (RetakeTooSoon)."""
    with units() as uow:
        run_id = _begin(uow, clock(), learner_id, slug, rng or random.SystemRandom())
        uow.flush()
        summary = _summary(uow, uow.runs.get(run_id))
        uow.commit()
        return summary


def begin_run(
    units: UnitOfWorkFactory,
    clock: Clock,
    learner_id: int,
    *,
    slug: str,
    rng: random.Random | None = None,
) -> str:
    """`start_run` without reading the new run back: its id, for the page that goes on
    to its first problem (at an exam's start, every learner at once)."""
    with units() as uow:
        run_id = _begin(uow, clock(), learner_id, slug, rng or random.SystemRandom())
        uow.commit()
        return run_id


def _begin(uow: UnitOfWork, now: datetime, learner_id: int, slug: str, rng: random.Random) -> str:
    found = uow.set_content.revisions_to_take(slug)
    if found is None or found.retired or found.kind is not SetKind.CHALLENGE:
        raise NotFound(f"There is no challenge called {slug!r}.")
    standing = retakes.standing(
        uow, learner_id=learner_id, set_id=found.id,
        retake_after_seconds=found.retake_after_seconds, now=now,
    )  # fmt: skip
    retakes.ensure_may_start(standing, found.title)
    multiplier = uow.runs.time_multiplier(learner_id)
    run_id = str(uuid.uuid4())
    if not uow.runs.add(
        run_id=run_id,
        learner_id=learner_id,
        set_id=found.id,
        time_multiplier=multiplier,
        started_at=now,
    ):  # a concurrent start of the same set won
        raise _lost_race(uow, learner_id, found.id, found.title)
    _add_problems(uow, run_id, found, learner_id, multiplier, rng)
    return run_id


def _add_problems(
    uow: UnitOfWork,
    run_id: str,
    found: SetRevisions,
    learner_id: int,
    multiplier: float,
    rng: random.Random,
) -> None:
    """One problem per position: a pool's member and a problem's variant are drawn with
    `rng`, preferring what the learner has not seen in earlier runs of the set."""
    seen = uow.runs.seen(learner_id, found.id)
    problems_seen = Counter(item.problem_id for item in seen)
    taken = []
    for position, members in enumerate(found.positions(), start=1):
        revision = draw(members, rng, {m: problems_seen[m.problem_id] for m in members})
        problem = uow.revisions.problem(revision.id, revision.content_hash)
        variant = None
        if problem.params:
            had = Counter(
                json.dumps(item.variant, sort_keys=True)
                for item in seen
                if item.problem_id == revision.problem_id and item.variant is not None
            )
            variants = problem.variants
            # (first sight of the problem, as for most at an exam: nothing to count)
            counts = (
                {v: had[json.dumps(v.as_dict(), sort_keys=True)] for v in variants} if had else {}
            )
            variant = draw(variants, rng, counts).as_dict()
        order = option_order(len(problem.options), rng) if problem.options else None
        taken.append(
            NewRunProblem(
                position=position,
                revision_id=revision.id,
                option_order=order,
                time_limit_seconds=effective_time_limit(problem.time_limit_seconds, multiplier),
                max_attempts=problem.max_attempts,
                variant=variant,
            )
        )
    uow.runs.add_problems(run_id, taken)


def _lost_race(uow: UnitOfWork, learner_id: int, set_id: int, title: str) -> RunOpen:
    others = uow.open_runs.unfinished_run_ids(learner_id=learner_id, set_id=set_id)
    if not others:  # the winner ended already: unlikely, but say something true
        return RunOpen("Your run of this set was just started elsewhere; try again.", None)
    return RunOpen(retakes.open_run_message(title), others[0])


def run_summary(
    units: UnitOfWorkFactory, clock: Clock, learner_id: int, *, run_id: str
) -> RunSummary:
    with units() as uow:
        run = uow.runs.find(run_id)
        if run is None or run.user_id != learner_id:
            raise NotFound("There is no such run in your history.")
        if not run.finished:  # a finished run's outcomes are all written down already
            awards.settle_run(uow, run_id, clock())
            run = uow.runs.get(run_id)  # as settling left it
        summary = _summary(uow, run)
        uow.commit()
        return summary


def _summary(uow: UnitOfWork, run: RunRecord) -> RunSummary:
    """The run with its set's heading and its problems as they stand."""
    challenge_set = uow.set_content.heading(run.set_id)
    records = uow.runs.problems(run.id)
    return RunSummary(
        run_id=run.id,
        set_slug=challenge_set.slug,
        set_title=challenge_set.title,
        badge_name=challenge_set.badge_name,
        started_at=run.started_at,
        finished=run.finished,
        badge_awarded=run.badge_awarded,
        problems=tuple(_problem_summary(uow, record) for record in records),
    )


def _problem_summary(uow: UnitOfWork, record: RunProblemRecord) -> RunProblemSummary:
    problem = uow.revisions.problem(record.revision_id, record.content_hash)
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
