"""Signed-in sessions: start one, find whose a live one is, revoke one or all of a learner's.

Core statements on the caller's connection. Finding the learner of a live session is
on every signed-in request, so it is one primary-key lookup, compiled once
(app.persistence.prepared). Rows are keyed by the SHA-256 of the cookie's token, so
the table alone signs nobody in.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    BindParameter,
    Connection,
    Table,
    bindparam,
    delete,
    insert,
    or_,
    select,
    update,
)

from app.persistence.prepared import Prepared
from app.persistence.tables import SessionRow

_TABLE = cast(Table, SessionRow.__table__)
_S = _TABLE.c
_ID: BindParameter[str] = bindparam("session_id")
_NOW: BindParameter[datetime] = bindparam("now")
_LEARNER = Prepared(
    select(_S.user_id).where(_S.id == _ID, _S.revoked_at.is_(None), _S.expires_at > _NOW)
)


class SignIns:
    """The sessions table, on one unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def learner_of(self, session_id: str, now: datetime) -> int | None:
        """The learner a live session signs in; None when it is unknown, revoked or expired."""
        found = _LEARNER.first(self._conn, {"session_id": session_id, "now": now})
        return int(found[0]) if found is not None else None

    def start(
        self, session_id: str, *, learner_id: int, now: datetime, expires_at: datetime
    ) -> None:
        """A new session; the learner's ended ones are forgotten meanwhile."""
        self._conn.execute(
            delete(_TABLE).where(
                _S.user_id == learner_id, or_(_S.expires_at <= now, _S.revoked_at.is_not(None))
            )
        )
        self._conn.execute(
            insert(_TABLE).values(
                id=session_id, user_id=learner_id, created_at=now, expires_at=expires_at
            )
        )

    def revoke(self, session_id: str, now: datetime) -> None:
        self._conn.execute(
            update(_TABLE)
            .where(_S.id == session_id, _S.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    def revoke_all(self, learner_id: int, now: datetime, *, keeping: str | None) -> int:
        """Revoke every live session of the learner but `keeping`; how many were revoked."""
        statement = update(_TABLE).where(_S.user_id == learner_id, _S.revoked_at.is_(None))
        if keeping is not None:
            statement = statement.where(_S.id != keeping)
        return int(self._conn.execute(statement.values(revoked_at=now)).rowcount)
