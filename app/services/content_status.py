"""What the latest load said about each challenge file, kept for the admin's content page.

`quiz dev` writes it after every reload, so an instructor sees a file's errors in the
browser as well as in the terminal; `quiz load` and `quiz serve` can write it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.domain.clock import Clock
from app.persistence.content import CheckedError, CheckedFile
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services.loading import FileOutcome, FileStatus, LoadReport


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
    units: UnitOfWorkFactory, report: LoadReport, *, clock: Clock, whole_tree: bool
) -> None:
    """Store each file's outcome; after a whole tree, forget files that are gone."""
    now = clock()
    with units() as uow:
        checked = [_checked(outcome, now) for outcome in report.files]
        uow.content_files.record(checked, forget_others=whole_tree)
        uow.commit()


def _checked(outcome: FileOutcome, now: datetime) -> CheckedFile:
    return CheckedFile(
        source=outcome.source,
        slug=outcome.slug,
        status=outcome.status.value,
        summary=outcome.contents,
        errors=tuple(CheckedError(e.line, str(e)) for e in outcome.errors),
        checked_at=now,
    )


def content_files(units: UnitOfWorkFactory) -> list[ContentFile]:
    """Files with errors first, then by name."""
    with units() as uow:
        files = [_file(checked) for checked in uow.content_files.checked()]
    return sorted(files, key=lambda f: (not f.failed, f.source))


def _file(checked: CheckedFile) -> ContentFile:
    return ContentFile(
        source=checked.source,
        slug=checked.slug,
        status=FileStatus(checked.status),
        summary=checked.summary,
        errors=tuple(FileError(error.line, error.text) for error in checked.errors),
        checked_at=checked.checked_at,
    )
