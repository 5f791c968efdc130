"""Repository of challenge sets: stores a loaded set with revisioned problems, reads it back.

A problem gets a new revision only when its content changes, and runs keep pointing
at the revision they were taken on, so editing a file never rewrites history.

Services read sets as plain values (`StoredSet`, `SetRevisions`, `SetHeading`);
`row_by_slug` and the `*_rows` methods hand out the rows themselves, for loading.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from app.domain.challenge import Badge, ChallengeSet, Problem, SetKind
from app.persistence.codec import (
    pattern_from_json,
    pattern_to_json,
    problem_from_json,
    problem_to_json,
)
from app.persistence.errors import NotStored
from app.persistence.tables import ChallengeSetRow, ProblemRevisionRow, ProblemRow


@dataclass(frozen=True)
class SaveOutcome:
    slug: str
    created: bool
    changed: bool
    new_revisions: int
    retired_problems: int


@dataclass(frozen=True)
class StoredSet:
    """A set as loaded, with its database id; `retired` when its file is gone."""

    id: int
    challenge_set: ChallengeSet
    retired: bool
    loaded_at: datetime | None = None  # when it was first loaded or last changed


@dataclass(frozen=True)
class RevisionRef:
    """A problem revision, with the hash that names its content, and where runs take it."""

    id: int
    content_hash: str
    problem_id: int
    position: int  # pooled problems share one: a run draws one of them


@dataclass(frozen=True)
class SetRevisions:
    """What a new run of a set takes: its problems' current revisions, in the file's order."""

    id: int
    kind: SetKind
    retired: bool
    revisions: tuple[RevisionRef, ...]
    title: str
    retake_after_seconds: int

    def positions(self) -> list[list[RevisionRef]]:
        """The revisions grouped by position: one each, or a pool's members."""
        grouped: dict[int, list[RevisionRef]] = {}
        for revision in self.revisions:
            grouped.setdefault(revision.position, []).append(revision)
        return [grouped[position] for position in sorted(grouped)]


@dataclass(frozen=True)
class SetSource:
    """Where a stored set was loaded from, and whether it is retired."""

    slug: str
    source_path: str
    retired: bool


@dataclass(frozen=True)
class SetHeading:
    """How a page names a set."""

    slug: str
    title: str
    badge_name: str | None


class SetRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        # The session holds loaded rows only weakly; the rows behind the plain values
        # handed out are kept here, so later reads in the same unit of work (a run's
        # set and revisions) come from the session instead of the database again.
        self._kept: list[ChallengeSetRow] = []
        self._updating: dict[str, ChallengeSetRow] = {}

    # -- reading ---------------------------------------------------------------

    def row_by_slug(self, slug: str) -> ChallengeSetRow | None:
        return self._session.scalars(
            select(ChallengeSetRow)
            .where(ChallengeSetRow.slug == slug)
            .options(
                selectinload(ChallengeSetRow.problems).selectinload(ProblemRow.current_revision)
            )
        ).one_or_none()

    def active_rows(self) -> Sequence[ChallengeSetRow]:
        return self._session.scalars(
            select(ChallengeSetRow)
            .where(ChallengeSetRow.retired_at.is_(None))
            .order_by(ChallengeSetRow.kind, ChallengeSetRow.title)
            .options(
                selectinload(ChallengeSetRow.problems).selectinload(ProblemRow.current_revision)
            )
        ).all()

    def all_rows(self) -> Sequence[ChallengeSetRow]:
        return self._session.scalars(select(ChallengeSetRow).order_by(ChallengeSetRow.slug)).all()

    def sources(self) -> list[SetSource]:
        """Every stored set's file, by slug."""
        return [
            SetSource(row.slug, row.source_path, row.retired_at is not None)
            for row in self.all_rows()
        ]

    def get(self, slug: str, *, include_retired: bool = False) -> ChallengeSet | None:
        row = self.row_by_slug(slug)
        if row is None or (row.retired_at is not None and not include_retired):
            return None
        return to_domain(row)

    def active(self) -> list[ChallengeSet]:
        return [to_domain(row) for row in self.active_rows()]

    def stored(self, slug: str) -> StoredSet | None:
        """The set by slug, retired or not."""
        row = self.row_by_slug(slug)
        return None if row is None else _stored(self._keep(row))

    def active_stored(self) -> list[StoredSet]:
        return [_stored(self._keep(row)) for row in self.active_rows()]

    def _keep(self, row: ChallengeSetRow) -> ChallengeSetRow:
        self._kept.append(row)
        return row

    def current_revisions(self, row: ChallengeSetRow) -> list[ProblemRevisionRow]:
        """The current revisions, in the file's order (a pool's members side by side)."""
        return [
            problem.current_revision
            for problem in row.problems
            if problem.retired_at is None and problem.current_revision is not None
        ]

    def revision(self, revision_id: int) -> Problem:
        row = self._session.get_one(ProblemRevisionRow, revision_id)
        return problem_from_json(row.content)

    # -- writing ---------------------------------------------------------------

    def store(
        self,
        challenge_set: ChallengeSet,
        *,
        source_path: str,
        now: datetime,
        executed: dict[str, dict[str, Any]],
    ) -> SaveOutcome:
        """`save`, with what the sandbox found for its problems (by key), sent to the
        database now: NotStored when it refuses (nothing of it is kept once the unit of
        work rolls back)."""
        try:
            saved = self.save(challenge_set, source_path=source_path, now=now)
            for key, found in executed.items():
                self.set_executed(challenge_set.slug, key, found)
            self._session.flush()
        except SQLAlchemyError as error:
            raise NotStored(f"{error.__class__.__name__}: {error}") from error
        return saved

    def save(self, challenge_set: ChallengeSet, *, source_path: str, now: datetime) -> SaveOutcome:
        row = self.row_by_slug(challenge_set.slug)
        created = row is None
        set_hash = challenge_set.content_hash()
        if row is None:
            row = ChallengeSetRow(slug=challenge_set.slug, loaded_at=now)
            self._session.add(row)
        changed = created or row.content_hash != set_hash or row.retired_at is not None
        moved = row.source_path != source_path  # the set names its file: a new stamp
        row.kind = challenge_set.kind.value
        row.title = challenge_set.title
        row.topic = challenge_set.topic
        row.summary = challenge_set.summary
        row.badge_name = challenge_set.badge.name if challenge_set.badge else None
        row.badge_description = challenge_set.badge.description if challenge_set.badge else None
        row.pattern = pattern_to_json(challenge_set.pattern) if challenge_set.pattern else None
        row.retake_after_seconds = challenge_set.retake_after_seconds
        row.source_path = source_path
        row.content_hash = set_hash
        row.retired_at = None
        if changed:
            row.loaded_at = now
        self._session.flush()

        existing = {problem.key: problem for problem in row.problems}
        new_revisions = 0
        positions = {
            problem.key: number
            for number, members in enumerate(challenge_set.positions(), start=1)
            for problem in members
        }
        for problem in challenge_set.problems:
            position = positions[problem.key]
            problem_row = existing.pop(problem.key, None)
            if problem_row is None:
                problem_row = ProblemRow(set_id=row.id, key=problem.key, position=position)
                self._session.add(problem_row)
                self._session.flush()
            problem_row.position = position
            problem_row.retired_at = None
            if self._ensure_revision(problem_row, problem, now):
                new_revisions += 1
        retired = 0
        for gone in existing.values():
            if gone.retired_at is None:
                gone.retired_at = now
                retired += 1
        outcome = SaveOutcome(
            slug=challenge_set.slug,
            created=created,
            changed=changed or new_revisions > 0 or retired > 0,
            new_revisions=new_revisions,
            retired_problems=retired,
        )
        if outcome.changed or moved or row.content_stamp is None:
            row.content_stamp = new_stamp()
        self._session.flush()
        return outcome

    def _ensure_revision(self, problem_row: ProblemRow, problem: Problem, now: datetime) -> bool:
        digest = problem.content_hash()
        current = problem_row.current_revision
        if current is not None and current.content_hash == digest:
            return False
        revision = self._session.scalars(
            select(ProblemRevisionRow).where(
                ProblemRevisionRow.problem_id == problem_row.id,
                ProblemRevisionRow.content_hash == digest,
            )
        ).one_or_none()
        created = revision is None
        if revision is None:
            # An edit reverted to earlier content reuses that revision instead of a copy.
            revision = ProblemRevisionRow(
                problem_id=problem_row.id,
                content_hash=digest,
                content=problem_to_json(problem),
                created_at=now,
            )
            self._session.add(revision)
            self._session.flush()
        problem_row.current_revision = revision
        return created

    def set_executed(self, slug: str, key: str, executed: dict[str, Any]) -> None:
        """Record what the sandbox found for a problem's current revision."""
        # Loading records every problem of a set in turn: its row is read once.
        row = self._updating.get(slug) or self.row_by_slug(slug)
        if row is None:
            return
        self._updating[slug] = row
        for problem in row.problems:
            revision = problem.current_revision
            if problem.key == key and revision is not None and revision.executed != executed:
                revision.executed = executed
                row.content_stamp = new_stamp()

    def retire_missing(self, present_slugs: set[str], now: datetime) -> list[str]:
        retired = []
        for row in self._session.scalars(
            select(ChallengeSetRow).where(ChallengeSetRow.retired_at.is_(None))
        ):
            if row.slug not in present_slugs:
                row.retired_at = now
                row.content_stamp = new_stamp()
                retired.append(row.slug)
        return retired


def _stored(row: ChallengeSetRow) -> StoredSet:
    return StoredSet(
        id=row.id,
        challenge_set=to_domain(row),
        retired=row.retired_at is not None,
        loaded_at=row.loaded_at,
    )


def new_stamp() -> str:
    """A set's new `content_stamp`: random, so no two contents ever share one."""
    return uuid.uuid4().hex


def to_domain(row: ChallengeSetRow) -> ChallengeSet:
    current = [
        (problem.position, problem_from_json(problem.current_revision.content))
        for problem in row.problems
        if problem.retired_at is None and problem.current_revision is not None
    ]
    fields = {name: getattr(row, name) for name in SET_FIELDS}
    return challenge_set_of(fields, current)


# The columns of a set's row that its domain value is built from.
SET_FIELDS = (
    "slug", "kind", "title", "topic", "summary", "badge_name", "badge_description",
    "pattern", "source_path", "retake_after_seconds",
)  # fmt: skip


def challenge_set_of(fields: Mapping[str, Any], current: list[tuple[int, Problem]]) -> ChallengeSet:
    """The set from its row's `SET_FIELDS` and its current problems with their positions,
    in the file's order."""
    problems = tuple(problem for _, problem in current)
    by_position: dict[int, list[str]] = {}
    for position, problem in current:
        by_position.setdefault(position, []).append(problem.key)
    badge = (
        Badge(name=fields["badge_name"], description=fields["badge_description"] or "")
        if fields["badge_name"]
        else None
    )
    return ChallengeSet(
        slug=fields["slug"],
        kind=SetKind(fields["kind"]),
        title=fields["title"],
        topic=fields["topic"],
        summary=fields["summary"],
        badge=badge,
        problems=problems,
        pattern=pattern_from_json(fields["pattern"]) if fields["pattern"] else None,
        source=fields["source_path"],
        pools=tuple(tuple(keys) for keys in by_position.values() if len(keys) > 1),
        retake_after_seconds=fields["retake_after_seconds"],
    )
