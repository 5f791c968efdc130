"""The site-wide counts on the admin's front page: accounts, runs and awards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.persistence.tables import AwardRow, RunRow, User


@dataclass(frozen=True)
class Totals:
    learners: int  # every account, admins included
    admins: int
    runs: int
    runs_since: int
    awards: int
    awards_since: int


def totals(session: Session, since: datetime) -> Totals:
    """All-time counts, and the runs started and badges awarded from `since` on."""
    return Totals(
        learners=_count(session, User.id),
        admins=_count(session, User.id, User.is_admin.is_(True)),
        runs=_count(session, RunRow.id),
        runs_since=_count(session, RunRow.id, RunRow.started_at >= since),
        awards=_count(session, AwardRow.id),
        awards_since=_count(session, AwardRow.id, AwardRow.awarded_at >= since),
    )


def _count(
    session: Session, column: InstrumentedAttribute[Any], *where: ColumnElement[bool]
) -> int:
    statement = select(func.count(column))
    if where:
        statement = statement.where(*where)
    return int(session.scalar(statement) or 0)
