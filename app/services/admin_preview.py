"""Previewing a problem as its author: the content, its answer, and what the code really did.

"Executed" is what the sandbox found when the file was checked (stored on the
revision, and what grading uses); running it again goes through the same runner as
the playground, so an admin sees today's output beside the stored one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.answers import correct_answer_text
from app.domain.challenge import Problem
from app.domain.errors import InvalidInput, NotFound, Unavailable
from app.domain.variants import Variant, executed_for, render
from app.persistence.previews import CurrentProblem
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services.playground import SnippetRunner, execute


@dataclass(frozen=True)
class VariantPreview:
    """One variant of a problem with params: its values and what its code did."""

    index: int
    label: str
    executed: Mapping[str, Any] | None
    correct_answer: str | None


@dataclass(frozen=True)
class ProblemPreview:
    set_slug: str
    set_title: str
    topic: str | None
    position: int
    count: int  # problems in the set
    retired: bool
    revisions: int
    problem: Problem  # as authored, or the variant shown (`variant`) filled in
    executed: Mapping[str, Any] | None
    correct_answer: str | None
    previous_key: str | None
    next_key: str | None
    variants: tuple[VariantPreview, ...] = ()
    variant: Variant | None = None  # the variant shown; None: placeholders as written


@dataclass(frozen=True)
class OutlineItem:
    key: str
    position: int
    title: str
    type_label: str
    level: str
    has_code: bool
    executed: dict[str, Any] | None
    variants: int = 0
    pooled: bool = False  # a run draws one of the problems at this position


@dataclass(frozen=True)
class SetOutline:
    slug: str
    title: str
    kind: str
    retired: bool
    source_path: str
    problems: tuple[OutlineItem, ...]


def set_outline(units: UnitOfWorkFactory, *, slug: str) -> SetOutline:
    """A set's current problems, for picking one to preview."""
    with units() as uow:
        found = uow.previews.outline(slug)
    challenge_set = found.challenge_set
    shared = Counter(current.position for current in found.problems)
    return SetOutline(
        slug=challenge_set.slug,
        title=challenge_set.title,
        kind=challenge_set.kind,
        retired=challenge_set.retired,
        source_path=challenge_set.source_path,
        problems=tuple(
            _outline_item(current, pooled=shared[current.position] > 1)
            for current in found.problems
        ),
    )


def _outline_item(current: CurrentProblem, *, pooled: bool) -> OutlineItem:
    problem = current.problem
    return OutlineItem(
        key=current.key,
        position=current.position,
        title=problem.title,
        type_label=problem.type.label,
        level=problem.level.value,
        has_code=problem.code is not None,
        executed=_summary(current.executed),
        variants=len(problem.variants),
        pooled=pooled,
    )


def _summary(executed: dict[str, Any] | None) -> dict[str, Any] | None:
    """A variant problem's status in one word: "ok" when every variant ran cleanly."""
    if not executed or "variants" not in executed:
        return executed
    statuses = {record.get("status") for record in executed["variants"]}
    return {"status": statuses.pop() if len(statuses) == 1 else "mixed"}


def problem_preview(
    units: UnitOfWorkFactory, *, slug: str, key: str, variant: int | None = None
) -> ProblemPreview:
    """The problem as authored; with `variant` (an index), that variant filled in."""
    with units() as uow:
        found = uow.previews.previewed(slug, key)
    challenge_set, current, keys = found.challenge_set, found.current, found.keys
    index = keys.index(key) if key in keys else -1
    authored, every = current.problem, current.problem.variants
    if variant is not None and not 0 <= variant < len(every):
        raise NotFound(f"{key!r} has no variant {variant}.")
    shown = every[variant] if variant is not None else None
    problem = render(authored, shown)
    executed = executed_for(current.executed, shown.as_dict()) if shown else current.executed
    return ProblemPreview(
        set_slug=challenge_set.slug,
        set_title=challenge_set.title,
        topic=challenge_set.topic,
        position=current.position,
        count=len(keys),
        retired=found.retired,
        revisions=found.revisions,
        problem=problem,
        executed=None if every and shown is None else executed,
        correct_answer=None if every and shown is None else correct_answer_text(problem, executed),
        previous_key=keys[index - 1] if index > 0 else None,
        next_key=keys[index + 1] if 0 <= index < len(keys) - 1 else None,
        variants=tuple(_variant_preview(authored, v, current.executed) for v in every),
        variant=shown,
    )


def _variant_preview(
    problem: Problem, variant: Variant, executed: Mapping[str, Any] | None
) -> VariantPreview:
    own = executed_for(executed, variant.as_dict())
    return VariantPreview(
        index=variant.index,
        label=variant.label,
        executed=own,
        correct_answer=correct_answer_text(render(problem, variant), own),
    )


def code_to_run(
    units: UnitOfWorkFactory, *, slug: str, key: str, variant: int | None = None
) -> str:
    """The problem's snippet as it would run: a problem with params fills in the variant
    asked for, the first one by default."""
    if variant is None and problem_preview(units, slug=slug, key=key).variants:
        variant = 0
    preview = problem_preview(units, slug=slug, key=key, variant=variant)
    if preview.problem.code is None:
        raise InvalidInput("This problem has no code to run.")
    return preview.problem.code


async def run_code(runner: SnippetRunner | None, code: str) -> Mapping[str, Any]:
    """Run a problem's snippet now (admins are not rate-limited: they run their own code)."""
    if runner is None:
        raise Unavailable("The code runner is not available on this server.")
    return await execute(runner, code)
