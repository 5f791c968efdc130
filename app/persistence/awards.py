"""Badge awards: settling a run into its award, once per learner and set; reading them back.

`AwardRepository` is Core on a unit of work's connection (`uow.awards`). Settling is on
the answer path: its UPDATEs are `Prepared` once (app.persistence.prepared). The
admins' list of every award is one query for the page, the JSON API and the CSV;
sorting and paging happen in SQL so a large history stays fast.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeAlias

from sqlalchemy import Connection, Select, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.domain.runs import Outcome, run_seconds
from app.persistence.durations import seconds_between
from app.persistence.prepared import Prepared
from app.persistence.tables import AwardRow, ChallengeSetRow, RunProblemRow, RunRow, User

# -- settling a run ------------------------------------------------------------------

# Built once: runs are settled whenever an answer ends a problem, and on views.
_END_AT = Prepared(
    update(RunProblemRow)
    .where(
        RunProblemRow.run_id == bindparam("run"),
        RunProblemRow.position == bindparam("number"),
        RunProblemRow.outcome == Outcome.PENDING.value,
    )
    .values(outcome=bindparam("new_outcome"), finished_at=bindparam("at"))
)
_LAST_END = (
    select(func.max(RunProblemRow.finished_at))
    .where(RunProblemRow.run_id == bindparam("run"))
    .scalar_subquery()
)
_FINISH = Prepared(
    update(RunRow)
    .where(RunRow.id == bindparam("run"), RunRow.finished_at.is_(None))
    .values(finished_at=_LAST_END)
)


@dataclass(frozen=True)
class RunBadge:
    """Who took a run, of which set, and the badge that set awards (if any)."""

    user_id: int
    set_id: int
    name: str | None
    description: str | None


# -- reading awards ------------------------------------------------------------------


@dataclass(frozen=True)
class AwardView:
    id: str
    badge_name: str
    badge_description: str
    set_slug: str
    set_title: str
    topic: str | None
    run_id: str
    awarded_at: datetime


# A learner's awards, newest first: on every result page, so prepared once.
_VIEW_COLUMNS: tuple[Any, ...] = (  # labelled by AwardView's fields
    AwardRow.id, AwardRow.badge_name, AwardRow.badge_description,
    ChallengeSetRow.slug.label("set_slug"), ChallengeSetRow.title.label("set_title"),
    ChallengeSetRow.topic, AwardRow.run_id, AwardRow.awarded_at,
)  # fmt: skip
_OF_LEARNER_SELECT = (
    select(*_VIEW_COLUMNS)
    .join(ChallengeSetRow, ChallengeSetRow.id == AwardRow.set_id)
    .where(AwardRow.user_id == bindparam("learner_id"))
    .order_by(AwardRow.awarded_at.desc())
)
_OF_LEARNER = Prepared(_OF_LEARNER_SELECT)
_VIEW_FIELDS = tuple(column.name for column in _OF_LEARNER_SELECT.selected_columns)
assert tuple(f.name for f in fields(AwardView)) == _VIEW_FIELDS, _VIEW_FIELDS


class AwardSort(StrEnum):
    AWARDED_AT = "awarded_at"
    LEARNER = "learner"
    BADGE = "badge"
    DURATION = "duration"
    ATTEMPTS = "attempts"
    HINTS = "hints"


@dataclass(frozen=True)
class AwardQuery:
    badge: str | None = None  # a set's slug
    learner: str | None = None  # part of a username, any case
    since: date | None = None  # awarded on or after this day (UTC)
    until: date | None = None  # awarded on or before this day (UTC)
    sort: AwardSort = AwardSort.AWARDED_AT
    descending: bool = True
    page: int = 1
    per_page: int = 25


@dataclass(frozen=True)
class AwardRecord:
    award_id: str
    learner_id: int
    learner: str
    badge_name: str
    set_slug: str
    set_title: str
    awarded_at: datetime
    run_id: str
    run_started_at: datetime
    run_finished_at: datetime | None
    attempts_used: int
    hints_used: int
    problems: int

    @property
    def duration_seconds(self) -> float | None:
        return run_seconds(self.run_started_at, self.run_finished_at)


_Rows: TypeAlias = Select[*tuple[Any, ...]]


class AwardRepository:
    """Awards, and settling runs into them, on one unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- settling a run (app.services.awards.settle_run) ------------------------------

    def end_problem(self, run_id: str, position: int, outcome: Outcome, now: datetime) -> None:
        """Write down a problem's final outcome, unless it has one already."""
        params = {"run": run_id, "number": position, "new_outcome": outcome.value, "at": now}
        _END_AT.change(self._conn, params)

    def finish_run(self, run_id: str) -> bool:
        """Mark the run finished when its last problem ended; False when it already was."""
        return bool(_FINISH.change(self._conn, {"run": run_id}))

    def run_badge(self, run_id: str) -> RunBadge:
        row = self._conn.execute(
            select(
                RunRow.user_id,
                RunRow.set_id,
                ChallengeSetRow.badge_name,
                ChallengeSetRow.badge_description,
            )
            .join(ChallengeSetRow, ChallengeSetRow.id == RunRow.set_id)
            .where(RunRow.id == run_id)
        ).one()
        return RunBadge(
            user_id=row.user_id,
            set_id=row.set_id,
            name=row.badge_name,
            description=row.badge_description,
        )

    def holds_badge(self, user_id: int, set_id: int) -> bool:
        held = self._conn.scalar(
            select(AwardRow.id).where(AwardRow.user_id == user_id, AwardRow.set_id == set_id)
        )
        return held is not None

    def award_badge(self, run_id: str, badge: RunBadge, now: datetime) -> bool:
        """Store the award and mark the run; False when another award got there first."""
        try:
            with self._conn.begin_nested():
                self._conn.execute(
                    insert(AwardRow).values(
                        id=str(uuid.uuid4()),
                        user_id=badge.user_id,
                        set_id=badge.set_id,
                        run_id=run_id,
                        badge_name=badge.name,
                        badge_description=badge.description or "",
                        awarded_at=now,
                    )
                )
                self._conn.execute(
                    update(RunRow).where(RunRow.id == run_id).values(badge_awarded=True)
                )
        except IntegrityError:
            return False  # a concurrent run of the same learner won; one award is enough
        return True

    # -- reading -----------------------------------------------------------------------

    def of_learner(self, learner_id: int) -> list[AwardView]:
        """The learner's awards, newest first."""
        rows = _OF_LEARNER.rows(self._conn, {"learner_id": learner_id})
        return [AwardView(*row) for row in rows]

    def count(self, query: AwardQuery) -> int:
        """How many awards match the query's filters."""
        statement = _filtered(query)
        return self._conn.scalar(select(func.count()).select_from(statement.subquery())) or 0

    def page(self, query: AwardQuery, *, limit: int, offset: int) -> list[AwardRecord]:
        """The matching awards in the query's order, `limit` of them from `offset` on."""
        return self._records(_sorted(_filtered(query), query).limit(limit).offset(offset))

    def matching(self, query: AwardQuery) -> list[AwardRecord]:
        """Every matching award in the query's order, without paging."""
        return self._records(_sorted(_filtered(query), query))

    def badges(self) -> list[tuple[str, str | None]]:
        """(slug, badge name) of every set that awards a badge, by badge name."""
        rows = self._conn.execute(
            select(ChallengeSetRow.slug, ChallengeSetRow.badge_name)
            .where(ChallengeSetRow.badge_name.is_not(None))
            .order_by(ChallengeSetRow.badge_name)
        ).all()
        return [(slug, name) for slug, name in rows]

    def _records(self, statement: _Rows) -> list[AwardRecord]:
        return [_record(row) for row in self._conn.execute(statement).all()]


_USAGE = (
    select(
        RunProblemRow.run_id.label("run_id"),
        func.coalesce(func.sum(RunProblemRow.attempts_used), 0).label("attempts"),
        func.count(RunProblemRow.hint_used_at).label("hints"),
        func.count(RunProblemRow.id).label("problems"),
    )
    .group_by(RunProblemRow.run_id)
    .subquery("usage")
)


def _filtered(query: AwardQuery) -> _Rows:
    statement: _Rows = (
        select(
            AwardRow.id,
            User.id.label("learner_id"),
            User.username,
            AwardRow.badge_name,
            ChallengeSetRow.slug,
            ChallengeSetRow.title,
            AwardRow.awarded_at,
            AwardRow.run_id,
            RunRow.started_at,
            RunRow.finished_at,
            func.coalesce(_USAGE.c.attempts, 0).label("attempts"),
            func.coalesce(_USAGE.c.hints, 0).label("hints"),
            func.coalesce(_USAGE.c.problems, 0).label("problems"),
        )
        .join(User, User.id == AwardRow.user_id)
        .join(ChallengeSetRow, ChallengeSetRow.id == AwardRow.set_id)
        .join(RunRow, RunRow.id == AwardRow.run_id)
        .outerjoin(_USAGE, _USAGE.c.run_id == AwardRow.run_id)
    )
    if query.badge:
        statement = statement.where(ChallengeSetRow.slug == query.badge)
    if query.learner:
        statement = statement.where(User.username.icontains(query.learner.strip(), autoescape=True))
    if query.since:
        statement = statement.where(AwardRow.awarded_at >= _midnight(query.since))
    if query.until:
        statement = statement.where(AwardRow.awarded_at < _midnight(query.until, days=1))
    return statement


def _sorted(statement: _Rows, query: AwardQuery) -> _Rows:
    key = {
        AwardSort.AWARDED_AT: AwardRow.awarded_at,
        AwardSort.LEARNER: func.lower(User.username),
        AwardSort.BADGE: AwardRow.badge_name,
        AwardSort.DURATION: seconds_between(RunRow.started_at, RunRow.finished_at),
        AwardSort.ATTEMPTS: func.coalesce(_USAGE.c.attempts, 0),
        AwardSort.HINTS: func.coalesce(_USAGE.c.hints, 0),
    }[query.sort]
    order = key.desc() if query.descending else key.asc()
    tie = AwardRow.awarded_at.desc() if query.descending else AwardRow.awarded_at.asc()
    return statement.order_by(order, tie, AwardRow.id)


def _midnight(day: date, *, days: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=days), time(), UTC)


def _record(row: Any) -> AwardRecord:
    return AwardRecord(
        award_id=row.id,
        learner_id=row.learner_id,
        learner=row.username,
        badge_name=row.badge_name,
        set_slug=row.slug,
        set_title=row.title,
        awarded_at=row.awarded_at,
        run_id=row.run_id,
        run_started_at=row.started_at,
        run_finished_at=row.finished_at,
        attempts_used=int(row.attempts),
        hints_used=int(row.hints),
        problems=int(row.problems),
    )
