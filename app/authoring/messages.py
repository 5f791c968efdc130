"""Pydantic validation errors, rewritten as sentences an instructor understands.

Pydantic's locations include the discriminator tags of unions ("challenge",
"predict_output"); we walk the models alongside to drop them, to know which fields
a mapping allows (for "did you mean"), and to name what a field is.
"""

from __future__ import annotations

import difflib
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag
from pydantic_core import ErrorDetails

from app.authoring.errors import Path
from app.authoring.schema import SetFileSpec

# What a wrong value of these fields is "not": '"medium" is not a level'.
_NOUNS = {
    "level": "a level",
    "type": "a problem type",
    "kind": "a set kind",
    "device": "a device",
}
# Fields whose absence deserves more than "required field is missing".
_MISSING = {
    "badge": "a challenge needs a badge (name and description) to award; add `badge:`",
    "problems": "a challenge needs at least one problem; add `problems:`",
    "kind": "required field is missing; say `kind: challenge` or `kind: pattern`",
}
# Fields that exist, but not where they were written.
_MISPLACED = {
    "answer": "`answer` is only for predict_output problems; give options with one "
    "`correct: true` instead",
    "problems": "`problems` belong to `kind: challenge`; a pattern set has flashcards, "
    "quiz, explain, practice and test",
    "badge": "`badge` belongs to `kind: challenge`; pattern sets award no badge",
    "defaults": "`defaults` belongs to `kind: challenge`",
}
_TYPE_WORDS = {
    "string_type": "expected text",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "list_type": "expected a list (lines starting with `- `)",
    "model_type": "expected a mapping of fields (`key: value` lines)",
    "model_attributes_type": "expected a mapping of fields (`key: value` lines)",
    "dict_type": "expected a mapping of fields (`key: value` lines)",
    "shape_type": 'expected a shape such as "(2, 3, 5)" or [2, 3, 5]',
}


def translate(error: ErrorDetails) -> tuple[Path, str]:
    """One pydantic error -> (data path, message)."""
    path, model = _walk(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    field = path[-1] if path else None
    if kind == "missing":
        return path, _MISSING.get(str(field), "required field is missing")
    if kind == "extra_forbidden":
        return path, _unknown_field(str(field), model)
    if kind in {"union_tag_invalid", "union_tag_not_found"}:
        tag_field = str(ctx.get("discriminator", "type")).strip("'")
        expected = _tag_list(str(ctx.get("expected_tags", "")))
        if kind == "union_tag_not_found":
            return (*path, tag_field), _MISSING.get(tag_field, "required field is missing")
        # ctx's tag is str() of the value, which would show null as "None".
        tag = value.get(tag_field) if isinstance(value, dict) else ctx.get("tag")
        return (*path, tag_field), _not_one_of(tag, tag_field, expected)
    if kind in {"literal_error", "enum"}:
        return path, _not_one_of(value, str(field), _tag_list(str(ctx.get("expected", ""))))
    if kind == "string_pattern_mismatch":
        return path, _pattern_message(str(field), value)
    if kind == "too_short" and field == "problems":
        return path, "a challenge needs at least one problem; the list is empty"
    if kind == "too_short" and field == "pool":
        return path, "a pool needs at least two problems to draw from; list them under `pool:`"
    if kind == "too_short":
        least = ctx.get("min_length")
        return path, f"needs at least {least} item{'' if least == 1 else 's'}"
    if kind == "too_long":
        return path, f"has {ctx.get('actual_length')} items; at most {ctx.get('max_length')}"
    if kind in _TYPE_WORDS:
        return path, f"{_TYPE_WORDS[kind]}, got {_describe(value)}"
    if kind == "greater_than_equal":
        return path, f"{_describe(value)} is out of range; it must be at least {ctx.get('ge')}"
    if kind == "less_than_equal":
        return path, f"{_describe(value)} is out of range; it must be at most {ctx.get('le')}"
    return path, error["msg"]


def _unknown_field(name: str, model: type[BaseModel] | None) -> str:
    allowed = list(model.model_fields) if model else []
    if name in _MISPLACED and name not in allowed:
        return _MISPLACED[name]
    message = f"unknown field {name!r}"
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        return f"{message}; did you mean {close[0]!r}?"
    if allowed:
        return f"{message}; allowed here: {', '.join(allowed)}"
    return message


def _not_one_of(value: Any, field: str, expected: list[str]) -> str:
    noun = _NOUNS.get(field, "allowed here")
    head = f"{_describe(value)} is not {noun}" if field in _NOUNS else f"{_describe(value)}"
    close = difflib.get_close_matches(str(value), expected, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    choices = f"use one of {', '.join(expected)}" if len(expected) > 1 else ""
    if len(expected) == 1:
        choices = f"the only choice is {expected[0]}"
    if field in _NOUNS:
        return f"{head}; {choices}{hint}"
    return f"{head} is not allowed; {choices}{hint}"


def _pattern_message(field: str, value: Any) -> str:
    if field == "slug":
        return f"{_describe(value)} is not a slug; use lowercase letters, digits and dashes"
    if field == "id":
        return f"{_describe(value)} is not an id; use letters, digits, dashes, dots, underscores"
    if field == "raises":
        return f"{_describe(value)} is not an exception class name such as RuntimeError"
    return f"{_describe(value)} does not have the expected form"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _tag_list(text: str) -> list[str]:
    return [part.strip().strip("'\"") for part in text.replace(" or ", ",").split(",") if part]


def _walk(loc: tuple[int | str, ...]) -> tuple[Path, type[BaseModel] | None]:
    """Drop union tags from `loc`; return the data path and the model holding its end."""
    current: Any = SetFileSpec
    owner: type[BaseModel] | None = None
    path: list[int | str] = []
    for part in loc:
        current = _unwrap(current)
        members = _tagged_members(current)
        if isinstance(part, str) and part in members:
            current = members[part]
            continue
        if isinstance(part, int):
            path.append(part)
            args = get_args(current)
            current = args[0] if get_origin(current) is list and args else None
            continue
        path.append(part)
        if isinstance(current, type) and issubclass(current, BaseModel):
            owner = current
            field = current.model_fields.get(part)
            current = field.annotation if field else None
        else:
            current = None
    if isinstance(current, type) and issubclass(current, BaseModel):
        owner = current if loc and isinstance(loc[-1], int) else owner
    return tuple(path), owner


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is not None and getattr(annotation, "__metadata__", None) is not None:
            annotation = get_args(annotation)[0]
            continue
        if origin in (Union, types.UnionType):
            args = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation


def _tagged_members(annotation: Any) -> dict[str, Any]:
    if get_origin(annotation) not in (Union, types.UnionType):
        return {}
    members: dict[str, Any] = {}
    for arg in get_args(annotation):
        # A member tagged by a callable discriminator (`problems`: a problem or a pool).
        for meta in getattr(arg, "__metadata__", ()):
            if isinstance(meta, Tag):
                members[meta.tag] = get_args(arg)[0]
        if not (isinstance(arg, type) and issubclass(arg, BaseModel)):
            continue
        for name in ("type", "kind"):
            field = arg.model_fields.get(name)
            if field is not None:
                for tag in get_args(field.annotation):
                    members[str(tag)] = arg
    return members
