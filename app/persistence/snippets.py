"""Cache of sandbox outcomes, so loading and serving never re-run an unchanged snippet."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.persistence.tables import SnippetResultRow

_CHUNK = 500  # bound parameters per query, well under every database's limit


class SnippetCache:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._session.get(SnippetResultRow, key)
        return row.result if row else None

    def get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The cached results among `keys`, in a few queries (a set has many snippets)."""
        wanted, found = sorted(set(keys)), {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows = self._session.execute(
                select(SnippetResultRow.key, SnippetResultRow.result).where(
                    SnippetResultRow.key.in_(chunk)
                )
            )
            found.update({key: result for key, result in rows})
        return found

    def put(self, key: str, result: dict[str, Any], now: datetime) -> None:
        self._session.merge(SnippetResultRow(key=key, result=result, created_at=now))
