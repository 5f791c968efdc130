"""What the latest load said about each challenge file, kept for the admin's content page.

`quiz dev` writes it after every reload, so an instructor sees a file's errors in the
browser as well as in the terminal; `quiz load` and `quiz serve` can write it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import Clock
from app.persistence.tables import ContentFileRow
from app.persistence.unit_of_work import UnitOfWork
from app.services.loading import FileStatus, LoadReport


@dataclass(frozen=True)
class FileError:
    line: int
    text: str


@dataclass(frozen=True)
class ContentFile:
    source: str
    slug: str | None
    status: FileStatus
    summary: str
    errors: tuple[FileError, ...]
    checked_at: datetime

    @property
    def failed(self) -> bool:
        return self.status is FileStatus.FAILED


def record_report(
    sessions: sessionmaker[Session], report: LoadReport, *, clock: Clock, whole_tree: bool
) -> None:
    """Store each file's outcome; after a whole tree, forget files that are gone."""
    now = clock()
    with UnitOfWork(sessions) as uow:
        rows = {row.source: row for row in uow.session.scalars(select(ContentFileRow))}
        for outcome in report.files:
            row = rows.get(outcome.source)
            if row is None:
                row = ContentFileRow(source=outcome.source)
                uow.session.add(row)
            row.slug = outcome.slug
            row.status = outcome.status.value
            row.summary = outcome.contents
            row.errors = [{"line": e.line, "text": str(e)} for e in outcome.errors]
            row.checked_at = now
        if whole_tree:
            present = {outcome.source for outcome in report.files}
            gone = [source for source in rows if source not in present]
            if gone:
                uow.session.execute(delete(ContentFileRow).where(ContentFileRow.source.in_(gone)))
        uow.commit()


def content_files(sessions: sessionmaker[Session]) -> list[ContentFile]:
    """Files with errors first, then by name."""
    with UnitOfWork(sessions) as uow:
        rows = uow.session.scalars(select(ContentFileRow)).all()
        files = [
            ContentFile(
                source=row.source,
                slug=row.slug,
                status=FileStatus(row.status),
                summary=row.summary,
                errors=tuple(FileError(int(e["line"]), str(e["text"])) for e in row.errors),
                checked_at=row.checked_at,
            )
            for row in rows
        ]
    return sorted(files, key=lambda f: (not f.failed, f.source))
