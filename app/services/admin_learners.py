"""Learners as admins see them: a searchable list, and one learner's runs and awards.

Reading only: a problem whose time ran out counts as timed out here even before the
learner's next request writes it down (the same rule the learner's pages apply).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import Clock
from app.domain.errors import NotFound
from app.domain.runs import Outcome, current_outcome
from app.persistence.tables import AwardRow, ChallengeSetRow, RunProblemRow, RunRow, User
from app.persistence.unit_of_work import UnitOfWork
from app.services.paging import Page


@dataclass(frozen=True)
class LearnerLine:
    id: int
    username: str
    created_at: datetime
    is_admin: bool
    time_multiplier: float
    runs: int
    awards: int
    last_run_at: datetime | None


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
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class AwardLine:
    award_id: str
    badge_name: str
    set_slug: str
    set_title: str
    awarded_at: datetime
    run_id: str


@dataclass(frozen=True)
class LearnerRecord:
    learner: LearnerLine
    runs: tuple[RunLine, ...]
    awards: tuple[AwardLine, ...]


def list_learners(
    sessions: sessionmaker[Session], *, search: str | None = None, page: int = 1, per_page: int = 50
) -> LearnerPage:
    page, per_page = max(page, 1), min(max(per_page, 1), 500)
    with UnitOfWork(sessions) as uow:
        statement = _learner_lines()
        if search and search.strip():
            statement = statement.where(User.username.icontains(search.strip(), autoescape=True))
        total = uow.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        rows = uow.session.execute(
            statement.order_by(func.lower(User.username))
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        return LearnerPage(tuple(LearnerLine(*row) for row in rows), total, page, per_page)


def learner_record(
    sessions: sessionmaker[Session], *, clock: Clock, learner_id: int
) -> LearnerRecord:
    with UnitOfWork(sessions) as uow:
        row = uow.session.execute(_learner_lines().where(User.id == learner_id)).one_or_none()
        if row is None:
            raise NotFound("There is no such learner.")
        return LearnerRecord(
            learner=LearnerLine(*row),
            runs=tuple(_runs(uow.session, learner_id, clock())),
            awards=tuple(_awards(uow.session, learner_id)),
        )


def _learner_lines() -> Select[*tuple[Any, ...]]:
    runs = (
        select(
            RunRow.user_id,
            func.count(RunRow.id).label("runs"),
            func.max(RunRow.started_at).label("last_run_at"),
        )
        .group_by(RunRow.user_id)
        .subquery("run_counts")
    )
    awards = (
        select(AwardRow.user_id, func.count(AwardRow.id).label("awards"))
        .group_by(AwardRow.user_id)
        .subquery("award_counts")
    )
    return (
        select(
            User.id,
            User.username,
            User.created_at,
            User.is_admin,
            User.time_multiplier,
            func.coalesce(runs.c.runs, 0),
            func.coalesce(awards.c.awards, 0),
            runs.c.last_run_at,
        )
        .outerjoin(runs, runs.c.user_id == User.id)
        .outerjoin(awards, awards.c.user_id == User.id)
    )


def _runs(session: Session, learner_id: int, now: datetime) -> list[RunLine]:
    runs = session.execute(
        select(RunRow, ChallengeSetRow.slug, ChallengeSetRow.title)
        .join(ChallengeSetRow, ChallengeSetRow.id == RunRow.set_id)
        .where(RunRow.user_id == learner_id)
        .order_by(RunRow.started_at.desc())
    ).all()
    problems: defaultdict[str, list[tuple[Outcome, int, bool]]] = defaultdict(list)
    for item in session.execute(
        select(
            RunProblemRow.run_id,
            RunProblemRow.outcome,
            RunProblemRow.deadline,
            RunProblemRow.attempts_used,
            RunProblemRow.hint_used_at,
        )
        .join(RunRow, RunRow.id == RunProblemRow.run_id)
        .where(RunRow.user_id == learner_id)
    ):
        outcome = current_outcome(Outcome(item.outcome), item.deadline, now)
        problems[item.run_id].append((outcome, item.attempts_used, item.hint_used_at is not None))
    lines = []
    for run, slug, title in runs:
        taken = problems[run.id]
        lines.append(
            RunLine(
                run_id=run.id,
                set_slug=slug,
                set_title=title,
                started_at=run.started_at,
                finished_at=run.finished_at,
                problems=len(taken),
                correct=sum(1 for outcome, _, _ in taken if outcome is Outcome.CORRECT),
                timed_out=sum(1 for outcome, _, _ in taken if outcome is Outcome.TIMED_OUT),
                attempts_used=sum(attempts for _, attempts, _ in taken),
                hints_used=sum(1 for _, _, hint in taken if hint),
                time_multiplier=run.time_multiplier,
                badge_awarded=run.badge_awarded,
            )
        )
    return lines


def _awards(session: Session, learner_id: int) -> list[AwardLine]:
    rows = session.execute(
        select(AwardRow, ChallengeSetRow.slug, ChallengeSetRow.title)
        .join(ChallengeSetRow, ChallengeSetRow.id == AwardRow.set_id)
        .where(AwardRow.user_id == learner_id)
        .order_by(AwardRow.awarded_at.desc())
    ).all()
    return [
        AwardLine(award.id, award.badge_name, slug, title, award.awarded_at, award.run_id)
        for award, slug, title in rows
    ]
