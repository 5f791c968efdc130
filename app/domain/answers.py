"""Reading and grading a learner's answer to a challenge problem.

A multiple-choice answer is the displayed index (from 0) in the run's option order;
a free-text answer is a shape in any common notation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.challenge import Problem
from app.domain.errors import AnswerNotUnderstood, Unavailable
from app.domain.shapes import (
    DIMENSION_LIMIT,
    Shape,
    ShapeSyntaxError,
    format_shape,
    parse_shape,
)

# ASCII digits, few: str.isdigit() takes "²", and int() of 5,000 digits raises.
_INDEX = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class Answer:
    """What the learner chose, in the problem's own terms."""

    text: str
    option_index: int | None = None  # the authored index, not the displayed one
    shape: Shape | None = None


def read_answer(problem: Problem, order: Sequence[int] | None, raw: object) -> Answer:
    if problem.is_multiple_choice:
        return _read_choice(problem, order, raw)
    text = _shape_text(raw)
    try:
        shape = parse_shape(text)
    except ShapeSyntaxError as error:
        raise AnswerNotUnderstood(str(error)) from error
    return Answer(text=text.strip(), shape=shape)


def _shape_text(raw: object) -> str:
    """The answer as text; a JSON number too large for a dimension never reaches str()."""
    if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) >= DIMENSION_LIMIT:
        raise AnswerNotUnderstood(
            f"Each dimension is a whole number below {DIMENSION_LIMIT}. "
            "Write a shape such as (8, 3)."
        )
    return str(raw)


def _read_choice(problem: Problem, order: Sequence[int] | None, raw: object) -> Answer:
    displayed = _as_index(raw)
    count = len(problem.options)
    if displayed is None or not 0 <= displayed < count:
        raise AnswerNotUnderstood(f"Pick one of the {count} options.")
    authored = order[displayed] if order else displayed
    return Answer(text=problem.options[authored].text, option_index=authored)


def _as_index(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and _INDEX.fullmatch(raw.strip()):
        return int(raw.strip())
    return None


def expected_shape(problem: Problem, executed: Mapping[str, Any] | None) -> Shape | None:
    """What execution found wins over what the author wrote."""
    if executed and executed.get("shape") is not None:
        return tuple(int(dim) for dim in executed["shape"])
    if problem.answer is not None and problem.answer.expected is not None:
        return problem.answer.expected
    return None


def is_correct(problem: Problem, answer: Answer, executed: Mapping[str, Any] | None) -> bool:
    if problem.is_multiple_choice:
        return answer.option_index == problem.correct_index
    expected = expected_shape(problem, executed)
    if expected is None:
        raise Unavailable("This problem has no verified answer yet; try another one.")
    return answer.shape == expected


def correct_answer_text(problem: Problem, executed: Mapping[str, Any] | None) -> str | None:
    if problem.is_multiple_choice:
        index = problem.correct_index
        return problem.options[index].text if index is not None else None
    expected = expected_shape(problem, executed)
    return format_shape(expected) if expected is not None else None
