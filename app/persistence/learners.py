"""Repository of learners: accounts and roles, accommodations, and what admins list of them.

Accounts are looked up by their username key (app.domain.usernames), so "Ada", "ada "
and "ADA" are one account; a unique index on the key keeps it that way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.challenge import Problem
from app.domain.runs import Outcome
from app.domain.usernames import username_key
from app.persistence.revisions import problem_of
from app.persistence.tables import (
    AwardRow,
    ChallengeSetRow,
    ProblemRevisionRow,
    RunProblemRow,
    RunRow,
    User,
)


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    password_hash: str = field(repr=False)
    is_admin: bool
    time_multiplier: float


@dataclass(frozen=True)
class UnopenedProblem:
    """A problem of an unfinished run whose clock has not started."""

    id: int
    problem: Problem


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


@dataclass(frozen=True)
class LearnerRun:
    id: str
    set_slug: str
    set_title: str
    started_at: datetime
    finished_at: datetime | None
    time_multiplier: float
    badge_awarded: bool


@dataclass(frozen=True)
class ProblemTaken:
    """One problem of a learner's run, as stored (a lapsed deadline is not written yet)."""

    run_id: str
    outcome: Outcome
    deadline: datetime | None
    attempts_used: int
    hint_used: bool


@dataclass(frozen=True)
class AwardLine:
    award_id: str
    badge_name: str
    set_slug: str
    set_title: str
    awarded_at: datetime
    run_id: str


class LearnerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # -- accounts and roles ----------------------------------------------------

    def by_name(self, username: str) -> Account | None:
        user = self._session.scalars(select(User).where(_named(username))).one_or_none()
        return _account(user) if user is not None else None

    def id_by_name(self, username: str) -> int | None:
        return self._session.scalar(select(User.id).where(_named(username)))

    def get(self, user_id: int) -> Account | None:
        user = self._session.get(User, user_id)
        return _account(user) if user is not None else None

    def get_one(self, user_id: int) -> Account:
        return _account(self._session.get_one(User, user_id))

    def add(
        self, username: str, password_hash: str, created_at: datetime, *, is_admin: bool = False
    ) -> Account | None:
        """The new account, or None when its name is taken (by any spelling of it).

        The unique index decides, so two registrations racing for one name cannot both
        succeed; the transaction is unusable after a None and must be rolled back.
        """
        user = User(
            username=username,
            username_key=username_key(username),
            password_hash=password_hash,
            is_admin=is_admin,
            created_at=created_at,
        )
        self._session.add(user)
        try:
            self._session.flush()
        except IntegrityError:
            return None
        return _account(user)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._session.get_one(User, user_id).password_hash = password_hash

    def make_admin(self, user_id: int) -> None:
        self._session.get_one(User, user_id).is_admin = True

    # -- accommodations --------------------------------------------------------

    def set_time_multiplier(self, user_id: int, multiplier: float) -> None:
        self._session.get_one(User, user_id).time_multiplier = multiplier

    def unopened_problems(self, user_id: int) -> list[UnopenedProblem]:
        rows = self._session.execute(
            select(RunProblemRow.id, RunProblemRow.revision_id, ProblemRevisionRow.content_hash)
            .join(RunRow, RunRow.id == RunProblemRow.run_id)
            .join(ProblemRevisionRow, ProblemRevisionRow.id == RunProblemRow.revision_id)
            .where(
                RunRow.user_id == user_id,
                RunRow.finished_at.is_(None),
                RunProblemRow.deadline.is_(None),
                RunProblemRow.outcome == Outcome.PENDING.value,
            )
        ).all()
        return [
            UnopenedProblem(row.id, problem_of(self._session, row.revision_id, row.content_hash))
            for row in rows
        ]

    def set_time_limit_if_unopened(self, run_problem_id: int, seconds: float) -> int:
        """How many problems took the limit: 0 when the problem was opened meanwhile."""
        # Guarded like run_problems: a problem opened meanwhile keeps the limit it was shown.
        result = self._session.execute(
            update(RunProblemRow)
            .where(RunProblemRow.id == run_problem_id, RunProblemRow.deadline.is_(None))
            .values(time_limit_seconds=seconds)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # -- what admins see -------------------------------------------------------

    def lines(
        self, *, search: str | None, limit: int, offset: int
    ) -> tuple[tuple[LearnerLine, ...], int]:
        """One page of learners by username, and how many match in all."""
        statement = _learner_lines()
        if search and search.strip():
            statement = statement.where(User.username.icontains(search.strip(), autoescape=True))
        total = self._session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        rows = self._session.execute(
            statement.order_by(func.lower(User.username)).limit(limit).offset(offset)
        ).all()
        return tuple(LearnerLine(*row) for row in rows), total

    def line(self, user_id: int) -> LearnerLine | None:
        row = self._session.execute(_learner_lines().where(User.id == user_id)).one_or_none()
        return LearnerLine(*row) if row is not None else None

    def runs(self, user_id: int) -> list[LearnerRun]:
        """Newest first."""
        rows = self._session.execute(
            select(RunRow, ChallengeSetRow.slug, ChallengeSetRow.title)
            .join(ChallengeSetRow, ChallengeSetRow.id == RunRow.set_id)
            .where(RunRow.user_id == user_id)
            .order_by(RunRow.started_at.desc())
        ).all()
        return [_run(run, slug, title) for run, slug, title in rows]

    def problems_taken(self, user_id: int) -> list[ProblemTaken]:
        rows = self._session.execute(
            select(
                RunProblemRow.run_id,
                RunProblemRow.outcome,
                RunProblemRow.deadline,
                RunProblemRow.attempts_used,
                RunProblemRow.hint_used_at,
            )
            .join(RunRow, RunRow.id == RunProblemRow.run_id)
            .where(RunRow.user_id == user_id)
        )
        return [
            ProblemTaken(
                run_id=row.run_id,
                outcome=Outcome(row.outcome),
                deadline=row.deadline,
                attempts_used=row.attempts_used,
                hint_used=row.hint_used_at is not None,
            )
            for row in rows
        ]

    def awards(self, user_id: int) -> list[AwardLine]:
        """Newest first."""
        rows = self._session.execute(
            select(AwardRow, ChallengeSetRow.slug, ChallengeSetRow.title)
            .join(ChallengeSetRow, ChallengeSetRow.id == AwardRow.set_id)
            .where(AwardRow.user_id == user_id)
            .order_by(AwardRow.awarded_at.desc())
        ).all()
        return [
            AwardLine(award.id, award.badge_name, slug, title, award.awarded_at, award.run_id)
            for award, slug, title in rows
        ]


def _named(username: str) -> ColumnElement[bool]:
    return User.username_key == username_key(username)


def _account(user: User) -> Account:
    return Account(user.id, user.username, user.password_hash, user.is_admin, user.time_multiplier)


def _run(run: RunRow, slug: str, title: str) -> LearnerRun:
    return LearnerRun(
        id=run.id,
        set_slug=slug,
        set_title=title,
        started_at=run.started_at,
        finished_at=run.finished_at,
        time_multiplier=run.time_multiplier,
        badge_awarded=run.badge_awarded,
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
