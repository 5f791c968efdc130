"""Learners as admins see them: a searchable list, and one learner's runs and awards.

Reading only: a problem whose time ran out counts as timed out here even before the
learner's next request writes it down (the same rule the learner's pages apply).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from app.domain.clock import Clock
from app.domain.errors import NotFound
from app.domain.runs import Outcome, current_outcome, run_seconds
from app.persistence.learners import (
    AwardLine,
    LearnerLine,
    LearnerRun,
    ProblemTaken,
)
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services.paging import Page

LearnerPage = Page[LearnerLine]


@dataclass(frozen=True)
class RunLine:
    run_id: str
    set_slug: str
    set_title: str
    started_at: datetime
    finished_at: datetime | None
    problems: int
    correct: int
    timed_out: int
    attempts_used: int
    hints_used: int
    time_multiplier: float
    badge_awarded: bool

    @property
    def duration_seconds(self) -> float | None:
        return run_seconds(self.started_at, self.finished_at)


@dataclass(frozen=True)
class LearnerRecord:
    learner: LearnerLine
    runs: tuple[RunLine, ...]
    awards: tuple[AwardLine, ...]


def list_learners(
    units: UnitOfWorkFactory, *, search: str | None = None, page: int = 1, per_page: int = 50
) -> LearnerPage:
    page, per_page = max(page, 1), min(max(per_page, 1), 500)
    with units() as uow:
        lines, total = uow.learners.lines(
            search=search, limit=per_page, offset=(page - 1) * per_page
        )
    return LearnerPage(lines, total, page, per_page)


def learner_record(units: UnitOfWorkFactory, *, clock: Clock, learner_id: int) -> LearnerRecord:
    with units() as uow:
        learners = uow.learners
        line = learners.line(learner_id)
        if line is None:
            raise NotFound("There is no such learner.")
        now = clock()
        runs = learners.runs(learner_id)
        taken = learners.problems_taken(learner_id)
        return LearnerRecord(
            learner=line,
            runs=tuple(_run_lines(runs, taken, now)),
            awards=tuple(learners.awards(learner_id)),
        )


class _Taken(NamedTuple):
    """A problem of a run as it stands now (its time may have run out since it was stored)."""

    outcome: Outcome
    attempts_used: int
    hint_used: bool


def _run_lines(runs: list[LearnerRun], taken: list[ProblemTaken], now: datetime) -> list[RunLine]:
    problems: defaultdict[str, list[_Taken]] = defaultdict(list)
    for item in taken:
        outcome = current_outcome(item.outcome, item.deadline, now)
        problems[item.run_id].append(_Taken(outcome, item.attempts_used, item.hint_used))
    return [_run_line(run, problems[run.id]) for run in runs]


def _run_line(run: LearnerRun, taken: list[_Taken]) -> RunLine:
    return RunLine(
        run_id=run.id,
        set_slug=run.set_slug,
        set_title=run.set_title,
        started_at=run.started_at,
        finished_at=run.finished_at,
        problems=len(taken),
        correct=sum(1 for item in taken if item.outcome is Outcome.CORRECT),
        timed_out=sum(1 for item in taken if item.outcome is Outcome.TIMED_OUT),
        attempts_used=sum(item.attempts_used for item in taken),
        hints_used=sum(1 for item in taken if item.hint_used),
        time_multiplier=run.time_multiplier,
        badge_awarded=run.badge_awarded,
    )
