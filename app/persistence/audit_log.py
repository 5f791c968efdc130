"""The audit log's rows: an entry added in the caller's transaction, and pages of entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.persistence.tables import AuditLogRow, User


@dataclass(frozen=True)
class LoggedAction:
    """One entry as stored, with its actor's name (None: the command line, or an account
    deleted since)."""

    id: int
    at: datetime
    actor: str | None
    action: str
    target: str | None
    detail: dict[str, Any]


class AuditLog:
    """The audit log, on one unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        *,
        at: datetime,
        actor_id: int | None,
        action: str,
        target: str | None,
        detail: dict[str, Any] | None,
    ) -> None:
        self._session.add(
            AuditLogRow(actor_id=actor_id, action=action, target=target, detail=detail, at=at)
        )

    def newest_first(
        self, *, action: str | None, limit: int, offset: int
    ) -> tuple[list[LoggedAction], int]:
        """One page of entries (of one action, when given), and how many there are in all."""
        statement = select(AuditLogRow, User.username).outerjoin(
            User, User.id == AuditLogRow.actor_id
        )
        if action:
            statement = statement.where(AuditLogRow.action == action)
        total = self._session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        rows = self._session.execute(
            statement.order_by(AuditLogRow.at.desc(), AuditLogRow.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        entries = [
            LoggedAction(row.id, row.at, username, row.action, row.target, row.detail or {})
            for row, username in rows
        ]
        return entries, total
