"""Previewing a problem as its author: the content, its answer, and what the code really did.

"Executed" is what the sandbox found when the file was checked (stored on the
revision, and what grading uses); running it again goes through the same runner as
the playground, so an admin sees today's output beside the stored one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.answers import correct_answer_text
from app.domain.challenge import Problem
from app.domain.errors import InvalidInput, NotFound, Unavailable
from app.persistence.revisions import problem_of
from app.persistence.tables import ChallengeSetRow, ProblemRevisionRow, ProblemRow
from app.persistence.unit_of_work import UnitOfWork
from app.services.playground import SnippetRunner, execute


@dataclass(frozen=True)
class ProblemPreview:
    set_slug: str
    set_title: str
    topic: str | None
    position: int
    count: int  # problems in the set
    retired: bool
    revisions: int
    problem: Problem
    executed: dict[str, Any] | None
    correct_answer: str | None
    previous_key: str | None
    next_key: str | None


@dataclass(frozen=True)
class OutlineItem:
    key: str
    position: int
    title: str
    type_label: str
    level: str
    has_code: bool
    executed: dict[str, Any] | None


@dataclass(frozen=True)
class SetOutline:
    slug: str
    title: str
    kind: str
    retired: bool
    source_path: str
    problems: tuple[OutlineItem, ...]


def set_outline(sessions: sessionmaker[Session], *, slug: str) -> SetOutline:
    """A set's current problems, for picking one to preview."""
    with UnitOfWork(sessions) as uow:
        challenge_set = uow.session.scalars(
            select(ChallengeSetRow).where(ChallengeSetRow.slug == slug)
        ).one_or_none()
        if challenge_set is None:
            raise NotFound(f"There is no set called {slug!r}.")
        items = []
        for row in challenge_set.problems:
            revision = row.current_revision
            if row.retired_at is not None or revision is None:
                continue
            problem = problem_of(uow.session, revision.id, revision.content_hash)
            items.append(
                OutlineItem(
                    key=row.key,
                    position=row.position,
                    title=problem.title,
                    type_label=problem.type.label,
                    level=problem.level.value,
                    has_code=problem.code is not None,
                    executed=revision.executed,
                )
            )
        return SetOutline(
            slug=challenge_set.slug,
            title=challenge_set.title,
            kind=challenge_set.kind,
            retired=challenge_set.retired_at is not None,
            source_path=challenge_set.source_path,
            problems=tuple(items),
        )


def problem_preview(sessions: sessionmaker[Session], *, slug: str, key: str) -> ProblemPreview:
    with UnitOfWork(sessions) as uow:
        row, rows = _problem_row(uow.session, slug, key)
        revision = uow.session.get_one(ProblemRevisionRow, row.current_revision_id)
        problem = problem_of(uow.session, revision.id, revision.content_hash)
        revisions = uow.session.scalar(
            select(func.count(ProblemRevisionRow.id)).where(ProblemRevisionRow.problem_id == row.id)
        )
        keys = [item.key for item in rows if item.retired_at is None]
        index = keys.index(key) if key in keys else -1
        challenge_set = row.challenge_set
        return ProblemPreview(
            set_slug=challenge_set.slug,
            set_title=challenge_set.title,
            topic=challenge_set.topic,
            position=row.position,
            count=len(keys),
            retired=row.retired_at is not None,
            revisions=int(revisions or 0),
            problem=problem,
            executed=revision.executed,
            correct_answer=correct_answer_text(problem, revision.executed),
            previous_key=keys[index - 1] if index > 0 else None,
            next_key=keys[index + 1] if 0 <= index < len(keys) - 1 else None,
        )


async def run_problem_code(
    runner: SnippetRunner | None, sessions: sessionmaker[Session], *, slug: str, key: str
) -> Mapping[str, Any]:
    """Run the problem's snippet now (admins are not rate-limited: they run their own code)."""
    preview = problem_preview(sessions, slug=slug, key=key)
    if preview.problem.code is None:
        raise InvalidInput("This problem has no code to run.")
    if runner is None:
        raise Unavailable("The code runner is not available on this server.")
    return await execute(runner, preview.problem.code)


def _problem_row(session: Session, slug: str, key: str) -> tuple[ProblemRow, list[ProblemRow]]:
    challenge_set = session.scalars(
        select(ChallengeSetRow).where(ChallengeSetRow.slug == slug)
    ).one_or_none()
    if challenge_set is None:
        raise NotFound(f"There is no set called {slug!r}.")
    rows = list(challenge_set.problems)
    row = next((item for item in rows if item.key == key), None)
    if row is None or row.current_revision_id is None:
        raise NotFound(f"{slug!r} has no problem {key!r}.")
    return row, rows
