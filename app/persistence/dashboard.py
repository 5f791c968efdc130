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


class SiteCounts:
    def __init__(self, session: Session) -> None:
        self._session = session

    def totals(self, since: datetime) -> Totals:
        """All-time counts, and the runs started and badges awarded from `since` on."""
        return Totals(
            learners=self._count(User.id),
            admins=self._count(User.id, User.is_admin.is_(True)),
            runs=self._count(RunRow.id),
            runs_since=self._count(RunRow.id, RunRow.started_at >= since),
            awards=self._count(AwardRow.id),
            awards_since=self._count(AwardRow.id, AwardRow.awarded_at >= since),
        )

    def _count(self, column: InstrumentedAttribute[Any], *where: ColumnElement[bool]) -> int:
        statement = select(func.count(column))
        if where:
            statement = statement.where(*where)
        return int(self._session.scalar(statement) or 0)
