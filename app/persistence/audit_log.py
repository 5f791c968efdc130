"""The audit log's rows: an entry added in the caller's transaction, and pages of entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.persistence.tables import AuditLogRow, User

# id, at, the actor's username (None: the command line, or an account deleted since),
# action, target, detail
Entry = tuple[int, datetime, str | None, str, str | None, dict[str, Any]]


def add(
    session: Session,
    *,
    at: datetime,
    actor_id: int | None,
    action: str,
    target: str | None,
    detail: dict[str, Any] | None,
) -> None:
    session.add(AuditLogRow(actor_id=actor_id, action=action, target=target, detail=detail, at=at))


def newest_first(
    session: Session, *, action: str | None, limit: int, offset: int
) -> tuple[list[Entry], int]:
    """One page of entries (of one action, when given), and how many there are in all."""
    statement = select(AuditLogRow, User.username).outerjoin(User, User.id == AuditLogRow.actor_id)
    if action:
        statement = statement.where(AuditLogRow.action == action)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.execute(
        statement.order_by(AuditLogRow.at.desc(), AuditLogRow.id.desc()).limit(limit).offset(offset)
    ).all()
    entries: list[Entry] = [
        (row.id, row.at, username, row.action, row.target, row.detail or {})
        for row, username in rows
    ]
    return entries, total
