"""Every badge award, for admins: filters, sorting, pages, and the CSV export.

One query serves the page, the JSON API and the CSV; sorting and paging happen in SQL
so a large history stays fast. Exports are audited: they carry learners' data out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeAlias

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import Clock
from app.persistence.durations import seconds_between
from app.persistence.tables import AwardRow, ChallengeSetRow, RunProblemRow, RunRow, User
from app.persistence.unit_of_work import UnitOfWork
from app.services import audit
from app.services.paging import Page

MAX_PER_PAGE = 1000

_Rows: TypeAlias = Select[*tuple[Any, ...]]


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
        if self.run_finished_at is None:
            return None
        return (self.run_finished_at - self.run_started_at).total_seconds()

    def as_json(self) -> dict[str, Any]:
        return {
            "award_id": self.award_id,
            "learner": self.learner,
            "learner_id": self.learner_id,
            "badge": self.badge_name,
            "set": self.set_slug,
            "set_title": self.set_title,
            "awarded_at": self.awarded_at.isoformat(),
            "run_id": self.run_id,
            "run_duration_seconds": self.duration_seconds,
            "attempts_used": self.attempts_used,
            "hints_used": self.hints_used,
            "problems": self.problems,
        }


AwardPage = Page[AwardRecord]


@dataclass(frozen=True)
class BadgeChoice:
    slug: str
    badge_name: str


def list_awards(sessions: sessionmaker[Session], query: AwardQuery) -> AwardPage:
    per_page = min(max(query.per_page, 1), MAX_PER_PAGE)
    page = max(query.page, 1)
    with UnitOfWork(sessions) as uow:
        statement = _filtered(query)
        total = uow.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        rows = uow.session.execute(
            _sorted(statement, query).limit(per_page).offset((page - 1) * per_page)
        ).all()
        return AwardPage(tuple(_record(row) for row in rows), total, page, per_page)


def export_awards(
    sessions: sessionmaker[Session], *, clock: Clock, actor_id: int, query: AwardQuery
) -> list[AwardRecord]:
    """Every award matching the filters (no paging), with the export in the audit log."""
    with UnitOfWork(sessions) as uow:
        rows = uow.session.execute(_sorted(_filtered(query), query)).all()
        records = [_record(row) for row in rows]
        audit.record(
            uow.session,
            at=clock(),
            actor_id=actor_id,
            action=audit.Action.AWARDS_EXPORTED,
            target="awards.csv",
            detail={"rows": len(records), **_filters_of(query)},
        )
        uow.commit()
        return records


def badge_choices(sessions: sessionmaker[Session]) -> list[BadgeChoice]:
    with UnitOfWork(sessions) as uow:
        rows = uow.session.execute(
            select(ChallengeSetRow.slug, ChallengeSetRow.badge_name)
            .where(ChallengeSetRow.badge_name.is_not(None))
            .order_by(ChallengeSetRow.badge_name)
        ).all()
        return [BadgeChoice(slug, name or slug) for slug, name in rows]


CSV_COLUMNS = (
    "award_id",
    "learner",
    "badge",
    "set",
    "set_title",
    "awarded_at",
    "run_id",
    "run_duration_seconds",
    "attempts_used",
    "hints_used",
)


def csv_lines(records: Iterable[AwardRecord]) -> Iterator[str]:
    """The CSV, a line at a time (UTF-8, RFC 4180 quoting, ISO 8601 UTC times)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values: Iterable[object]) -> str:
        writer.writerow([_cell(value) for value in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(CSV_COLUMNS)
    for record in records:
        duration = record.duration_seconds
        yield line(
            (
                record.award_id,
                record.learner,
                record.badge_name,
                record.set_slug,
                record.set_title,
                record.awarded_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                record.run_id,
                "" if duration is None else f"{duration:.0f}",
                record.attempts_used,
                record.hints_used,
            )
        )


def _cell(value: object) -> str:
    text = str(value)
    # A spreadsheet runs a cell starting with these as a formula (CSV injection).
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


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


def _filters_of(query: AwardQuery) -> dict[str, Any]:
    filters = {
        "badge": query.badge,
        "learner": query.learner,
        "since": query.since.isoformat() if query.since else None,
        "until": query.until.isoformat() if query.until else None,
    }
    return {key: value for key, value in filters.items() if value}
