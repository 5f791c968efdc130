"""The latest check of each challenge file, kept for the admin's content page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.persistence.tables import ContentFileRow


@dataclass(frozen=True)
class CheckedError:
    line: int
    text: str


@dataclass(frozen=True)
class CheckedFile:
    """One file as last checked; `status` is a loading FileStatus value."""

    source: str
    slug: str | None
    status: str
    summary: str
    errors: tuple[CheckedError, ...]
    checked_at: datetime


class ContentFiles:
    """Each challenge file's latest check, on one unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, files: Sequence[CheckedFile], *, forget_others: bool) -> None:
        """Store each file's check; with `forget_others`, drop files not among them."""
        rows = {row.source: row for row in self._session.scalars(select(ContentFileRow))}
        for checked in files:
            row = rows.get(checked.source)
            if row is None:
                row = ContentFileRow(source=checked.source)
                self._session.add(row)
            row.slug = checked.slug
            row.status = checked.status
            row.summary = checked.summary
            row.errors = [{"line": e.line, "text": e.text} for e in checked.errors]
            row.checked_at = checked.checked_at
        if forget_others:
            present = {checked.source for checked in files}
            gone = [source for source in rows if source not in present]
            if gone:
                self._session.execute(delete(ContentFileRow).where(ContentFileRow.source.in_(gone)))

    def checked(self) -> list[CheckedFile]:
        return [
            CheckedFile(
                source=row.source,
                slug=row.slug,
                status=row.status,
                summary=row.summary,
                errors=tuple(CheckedError(int(e["line"]), str(e["text"])) for e in row.errors),
                checked_at=row.checked_at,
            )
            for row in self._session.scalars(select(ContentFileRow)).all()
        ]
