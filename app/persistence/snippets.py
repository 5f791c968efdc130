"""Cache of sandbox outcomes, so loading and serving never re-run an unchanged snippet."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.persistence.tables import SnippetResultRow


class SnippetCache:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._session.get(SnippetResultRow, key)
        return row.result if row else None

    def put(self, key: str, result: dict[str, Any], now: datetime) -> None:
        self._session.merge(SnippetResultRow(key=key, result=result, created_at=now))
