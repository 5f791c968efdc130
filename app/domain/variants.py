"""Variants of a problem: `params` values filled into its `${name}` placeholders.

A problem with `params` stands for the product of their values; each combination is a
`Variant`, numbered in product order (the first param varies slowest). Rendering a
variant is a pure function of the problem and the values; so is drawing one for a run,
given a random source and how often the learner has seen each candidate.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from math import prod
from typing import TYPE_CHECKING, Any, TypeVar

from app.domain.shapes import parse_shape

if TYPE_CHECKING:
    from app.domain.challenge import Option, Problem

ParamValue = int | float | str
MAX_VARIANTS = 64
PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")
# The fields `${name}` fills (and options' text and why, and `answer.expected`); any
# other field keeps its text as written.
FILLED_FIELDS = ("prompt", "code", "hint", "explanation")


@dataclass(frozen=True)
class Param:
    name: str
    values: tuple[ParamValue, ...]


@dataclass(frozen=True)
class Variant:
    """One combination of param values; `index` is its place in the product."""

    index: int
    values: tuple[tuple[str, ParamValue], ...]

    def as_dict(self) -> dict[str, ParamValue]:
        return dict(self.values)

    @property
    def label(self) -> str:
        """ "batch=2, hidden=5", as messages and pages name a variant."""
        return ", ".join(f"{name}={shown(value)}" for name, value in self.values)


def shown(value: ParamValue) -> str:
    return str(value)


def variant_count(params: Sequence[Param]) -> int:
    return prod(len(param.values) for param in params)


def variants_of(params: Sequence[Param]) -> tuple[Variant, ...]:
    """Every variant in product order; a problem without params has none."""
    if not params:
        return ()
    names = [param.name for param in params]
    combos = itertools.product(*(param.values for param in params))
    return tuple(
        Variant(index, tuple(zip(names, combo, strict=True))) for index, combo in enumerate(combos)
    )


def find_variant(params: Sequence[Param], values: Mapping[str, object] | None) -> Variant | None:
    """The variant with these values (as a run stored them); None if the params changed."""
    if not params or values is None:
        return None
    for variant in variants_of(params):
        if variant.as_dict() == dict(values):
            return variant
    return None


def executed_for(
    executed: Mapping[str, Any] | None, values: Mapping[str, object] | None
) -> Mapping[str, Any] | None:
    """What execution found for one variant (`{"variants": [...]}` holds one per variant)."""
    if not executed or "variants" not in executed:
        return executed
    wanted = dict(values or {})
    return next((v for v in executed["variants"] if v.get("values") == wanted), None)


def placeholders(text: str | None) -> list[str]:
    return PLACEHOLDER.findall(text) if text else []


def fill(text: str, values: Mapping[str, ParamValue]) -> str:
    return PLACEHOLDER.sub(lambda match: shown(values[match.group(1)]), text)


def render(problem: Problem, variant: Variant | None) -> Problem:
    """The problem as a learner with this variant sees it: every placeholder filled."""
    if variant is None:
        return problem
    values = variant.as_dict()

    def filled(text: str | None) -> str | None:
        return fill(text, values) if text is not None else None

    options: tuple[Option, ...] = tuple(
        replace(option, text=fill(option.text, values), why=filled(option.why))
        for option in problem.options
    )
    answer = problem.answer
    if answer is not None and answer.expected_text is not None:
        answer = replace(answer, expected=parse_shape(fill(answer.expected_text, values)))
    return replace(
        problem,
        answer=answer,
        prompt=fill(problem.prompt, values),
        code=filled(problem.code),
        hint=filled(problem.hint),
        explanation=filled(problem.explanation),
        options=options,
    )


T = TypeVar("T", bound=Hashable)


def draw(candidates: Sequence[T], rng: random.Random, seen: Mapping[T, int]) -> T:
    """One candidate, among those the learner has seen least often (unseen ones first).

    `seen` counts earlier sightings; candidates keep their given order before the draw,
    so the same seed and history always draw the same one.
    """
    if not candidates:
        raise ValueError("nothing to draw from")
    fewest = min(seen.get(item, 0) for item in candidates)
    return rng.choice([item for item in candidates if seen.get(item, 0) == fewest])
