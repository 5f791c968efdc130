"""What an author previews: a set's current problems, and one problem with its neighbours.

Problems are read as their current revision has them, parsed through
app.persistence.revisions (cached by content hash).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.challenge import Problem
from app.domain.errors import NotFound
from app.persistence.revisions import problem_of
from app.persistence.tables import ChallengeSetRow, ProblemRevisionRow, ProblemRow


@dataclass(frozen=True)
class PreviewedSet:
    slug: str
    title: str
    topic: str | None
    kind: str
    retired: bool
    source_path: str


@dataclass(frozen=True)
class CurrentProblem:
    key: str
    position: int
    problem: Problem
    executed: dict[str, Any] | None


@dataclass(frozen=True)
class Outline:
    challenge_set: PreviewedSet
    problems: tuple[CurrentProblem, ...]  # in the set's order, retired ones left out


@dataclass(frozen=True)
class Previewed:
    challenge_set: PreviewedSet
    current: CurrentProblem
    retired: bool
    revisions: int
    keys: tuple[str, ...]  # of the set's problems not retired, in order


class Previews:
    """What an author previews, on one unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def outline(self, slug: str) -> Outline:
        return _outline(self._session, slug)

    def previewed(self, slug: str, key: str) -> Previewed:
        return _previewed(self._session, slug, key)


def _outline(session: Session, slug: str) -> Outline:
    challenge_set = _set_row(session, slug)
    items = []
    for row in challenge_set.problems:
        revision = row.current_revision
        if row.retired_at is not None or revision is None:
            continue
        problem = problem_of(session, revision.id, revision.content_hash)
        items.append(CurrentProblem(row.key, row.position, problem, revision.executed))
    return Outline(_previewed_set(challenge_set), tuple(items))


def _previewed(session: Session, slug: str, key: str) -> Previewed:
    row, rows = _problem_row(session, slug, key)
    revision = session.get_one(ProblemRevisionRow, row.current_revision_id)
    problem = problem_of(session, revision.id, revision.content_hash)
    revisions = session.scalar(
        select(func.count(ProblemRevisionRow.id)).where(ProblemRevisionRow.problem_id == row.id)
    )
    return Previewed(
        challenge_set=_previewed_set(row.challenge_set),
        current=CurrentProblem(row.key, row.position, problem, revision.executed),
        retired=row.retired_at is not None,
        revisions=int(revisions or 0),
        keys=tuple(item.key for item in rows if item.retired_at is None),
    )


def _set_row(session: Session, slug: str) -> ChallengeSetRow:
    challenge_set = session.scalars(
        select(ChallengeSetRow).where(ChallengeSetRow.slug == slug)
    ).one_or_none()
    if challenge_set is None:
        raise NotFound(f"There is no set called {slug!r}.")
    return challenge_set


def _problem_row(session: Session, slug: str, key: str) -> tuple[ProblemRow, list[ProblemRow]]:
    rows = list(_set_row(session, slug).problems)
    row = next((item for item in rows if item.key == key), None)
    if row is None or row.current_revision_id is None:
        raise NotFound(f"{slug!r} has no problem {key!r}.")
    return row, rows


def _previewed_set(row: ChallengeSetRow) -> PreviewedSet:
    return PreviewedSet(
        slug=row.slug,
        title=row.title,
        topic=row.topic,
        kind=row.kind,
        retired=row.retired_at is not None,
        source_path=row.source_path,
    )
