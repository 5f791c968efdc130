"""Tensor shapes written by people: parsing every common notation, and comparing.

Accepted: `(8, 3)`, `[8, 3]`, `8, 3`, `8x3`, `8 × 3`, `torch.Size([8, 3])`,
`(8,)`, `()` and `torch.Size([])` for a scalar, with any spacing. Bounded, so that no
text costs more than a glance to read: at most 200 characters, 16 dimensions, each
below 2**31 (a 5,000-digit dimension once reached int() and its digit limit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Shape = tuple[int, ...]
MAX_SHAPE_CHARS = 200
MAX_DIMENSIONS = 16
DIMENSION_LIMIT = 2**31  # each dimension is below this


class ShapeSyntaxError(ValueError):
    """The text is not a shape; the message says why in words a learner understands."""


_TORCH_SIZE = re.compile(r"^torch\.size\s*\(\s*(.*?)\s*\)$", re.IGNORECASE | re.DOTALL)
_BRACKETS = {"(": ")", "[": "]"}
_SEPARATORS = re.compile(r"\s*(?:,|x|×|\*)\s*|\s+", re.IGNORECASE)
# ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
_DIMENSION = re.compile(r"[0-9]+")


def parse_shape(text: str) -> Shape:
    if len(text) > MAX_SHAPE_CHARS:
        raise ShapeSyntaxError(
            f"An answer is at most {MAX_SHAPE_CHARS} characters. Write a shape such as (8, 3)."
        )
    body = text.strip()
    if not body:
        raise ShapeSyntaxError("Write a shape such as (8, 3).")
    match = _TORCH_SIZE.match(body)
    if match:
        body = match.group(1)
        if not body:
            return ()
    elif body.lower().startswith("torch.size"):
        why = " is missing its closing ')'" if not body.endswith(")") else " is not a shape"
        raise ShapeSyntaxError(f"{body!r}{why}. Write it like torch.Size([8, 3]).")
    body = _strip_brackets(body, original=text)
    body = _strip_brackets(body, original=text)  # torch.Size([8, 3]) nests one pair
    body = body.strip()
    if body.endswith(",") and body[:-1].strip():  # (8,) is one dimension; (,) is nothing
        body = body[:-1].strip()
    if not body:
        return ()
    parts = _SEPARATORS.split(body)
    if len(parts) > MAX_DIMENSIONS:
        raise ShapeSyntaxError(
            f"A shape has at most {MAX_DIMENSIONS} dimensions; this one has {len(parts)}."
        )
    dims: list[int] = []
    for part in parts:
        if not part:
            raise ShapeSyntaxError(
                f"{text.strip()!r} is not a shape: a number is missing. Write it like (8, 3)."
            )
        if not _DIMENSION.fullmatch(part):
            raise ShapeSyntaxError(
                f"{text.strip()!r} is not a shape: {part!r} is not a whole number. "
                "Write it like (8, 3)."
            )
        dims.append(_dimension(part, text))
    return tuple(dims)


def _dimension(digits: str, text: str) -> int:
    value = int(digits) if len(digits) <= len(str(DIMENSION_LIMIT)) else DIMENSION_LIMIT
    if value >= DIMENSION_LIMIT:
        shown = digits if len(digits) <= 10 else digits[:10] + "…"
        raise ShapeSyntaxError(
            f"{text.strip()!r} is not a shape: {shown} is too large; each dimension is a "
            f"whole number below {DIMENSION_LIMIT}."
        )
    return value


def _strip_brackets(body: str, *, original: str) -> str:
    body = body.strip()
    if not body:
        return body
    opening = body[0]
    closing = _BRACKETS.get(opening)
    if closing is None:
        if body[-1] in ")]":
            raise ShapeSyntaxError(
                f"{original.strip()!r} has a closing bracket but no opening one."
            )
        return body
    if body[-1] != closing:
        raise ShapeSyntaxError(
            f"{original.strip()!r} is missing its closing {closing!r}. Write it like (8, 3)."
        )
    return body[1:-1]


def format_shape(shape: Shape) -> str:
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(dim) for dim in shape) + ")"


@dataclass(frozen=True)
class DimensionFeedback:
    """Which dimensions of a learner's shape match the real one, for feedback after a problem."""

    given: Shape
    actual: Shape
    matches: tuple[bool, ...]

    @property
    def rank_matches(self) -> bool:
        return len(self.given) == len(self.actual)


def compare_shapes(given: Shape, actual: Shape) -> DimensionFeedback:
    matches = tuple(index < len(actual) and dim == actual[index] for index, dim in enumerate(given))
    return DimensionFeedback(given=given, actual=actual, matches=matches)
