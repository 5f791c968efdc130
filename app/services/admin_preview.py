"""Previewing a problem as its author: the content, its answer, and what the code really did.

"Executed" is what the sandbox found when the file was checked (stored on the
revision, and what grading uses); running it again goes through the same runner as
the playground, so an admin sees today's output beside the stored one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.domain.answers import correct_answer_text
from app.domain.challenge import Problem
from app.domain.errors import InvalidInput, Unavailable
from app.persistence import previews
from app.persistence.previews import CurrentProblem
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
        found = previews.outline(uow.session, slug)
    challenge_set = found.challenge_set
    return SetOutline(
        slug=challenge_set.slug,
        title=challenge_set.title,
        kind=challenge_set.kind,
        retired=challenge_set.retired,
        source_path=challenge_set.source_path,
        problems=tuple(_outline_item(current) for current in found.problems),
    )


def _outline_item(current: CurrentProblem) -> OutlineItem:
    problem = current.problem
    return OutlineItem(
        key=current.key,
        position=current.position,
        title=problem.title,
        type_label=problem.type.label,
        level=problem.level.value,
        has_code=problem.code is not None,
        executed=current.executed,
    )


def problem_preview(sessions: sessionmaker[Session], *, slug: str, key: str) -> ProblemPreview:
    with UnitOfWork(sessions) as uow:
        found = previews.previewed(uow.session, slug, key)
    challenge_set, current, keys = found.challenge_set, found.current, found.keys
    index = keys.index(key) if key in keys else -1
    return ProblemPreview(
        set_slug=challenge_set.slug,
        set_title=challenge_set.title,
        topic=challenge_set.topic,
        position=current.position,
        count=len(keys),
        retired=found.retired,
        revisions=found.revisions,
        problem=current.problem,
        executed=current.executed,
        correct_answer=correct_answer_text(current.problem, current.executed),
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
