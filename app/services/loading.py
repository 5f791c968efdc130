"""Load challenge files into the database: one transaction per file, never half a set.

Idempotent: an unchanged file changes nothing. A file that fails leaves its set as
it was and does not stop the others. A set whose file is gone is retired: hidden
from the catalog, with its runs and awards kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from app.authoring.errors import AuthoringError
from app.authoring.loader import ParsedFile, find_files, parse_tree
from app.domain.clock import Clock
from app.persistence.errors import NotStored
from app.persistence.sets import SaveOutcome
from app.persistence.unit_of_work import UnitOfWorkFactory

# Given a valid file, returns its problems' executed results by key, or errors that
# keep it from loading (the sandbox check, services/checking.py, plugs in here).
Verifier = Callable[[ParsedFile], "Verification"]


@dataclass
class Verification:
    executed: dict[str, dict[str, object]] = field(default_factory=dict)
    errors: list[AuthoringError] = field(default_factory=list)
    ran: int = 0  # snippets run in the sandbox for this file
    reused: int = 0  # snippets answered without running (the cache, or a twin in the set)


class FileStatus(StrEnum):
    LOADED = "loaded"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass
class FileOutcome:
    source: str
    status: FileStatus
    slug: str | None = None
    contents: str = ""
    errors: list[AuthoringError] = field(default_factory=list)
    save: SaveOutcome | None = None


@dataclass
class LoadReport:
    files: list[FileOutcome] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(outcome.status is not FileStatus.FAILED for outcome in self.files)

    @property
    def failed(self) -> list[FileOutcome]:
        return [outcome for outcome in self.files if outcome.status is FileStatus.FAILED]


def load_tree(
    units: UnitOfWorkFactory,
    root: Path,
    *,
    clock: Clock,
    verify: Verifier | None = None,
) -> LoadReport:
    report = LoadReport()
    if not root.exists():
        report.files.append(
            FileOutcome(
                str(root),
                FileStatus.FAILED,
                errors=[AuthoringError(str(root), 1, (), "no such file or folder")],
            )
        )
        return report
    for parsed in parse_tree(root):
        report.files.append(_load_one(units, parsed, clock=clock, verify=verify))
    if root.is_dir():
        present = {str(path.resolve()) for path in find_files(root)}
        report.retired = _retire_missing(units, root, present, clock)
    return report


def _load_one(
    units: UnitOfWorkFactory,
    parsed: ParsedFile,
    *,
    clock: Clock,
    verify: Verifier | None,
) -> FileOutcome:
    challenge_set = parsed.challenge_set
    if challenge_set is None or parsed.errors:
        return FileOutcome(parsed.source, FileStatus.FAILED, errors=parsed.errors)
    verification = verify(parsed) if verify else Verification()
    if verification.errors:
        return FileOutcome(
            parsed.source, FileStatus.FAILED, slug=challenge_set.slug, errors=verification.errors
        )
    try:
        with units() as uow:
            saved = uow.sets.store(
                challenge_set,
                source_path=str(parsed.path.resolve()),
                now=clock(),
                executed=verification.executed,
            )
            uow.commit()
    except NotStored as error:
        message = f"could not be saved: {error}"
        return FileOutcome(
            parsed.source,
            FileStatus.FAILED,
            slug=challenge_set.slug,
            errors=[AuthoringError(parsed.source, 1, (), message)],
        )
    if saved.created:
        status = FileStatus.LOADED
    else:
        status = FileStatus.UPDATED if saved.changed else FileStatus.UNCHANGED
    return FileOutcome(
        parsed.source,
        status,
        slug=challenge_set.slug,
        contents=challenge_set.describe(),
        save=saved,
    )


def _retire_missing(
    units: UnitOfWorkFactory, root: Path, present: set[str], clock: Clock
) -> list[str]:
    prefix = str(root.resolve())
    with units() as uow:
        sources = uow.sets.sources()
        gone = {
            stored.slug
            for stored in sources
            if not stored.retired
            and stored.source_path.startswith(prefix)
            and stored.source_path not in present
        }
        retired = uow.sets.retire_missing({stored.slug for stored in sources} - gone, clock())
        uow.commit()
    return retired
