"""The challenge-file format (CONTRACT §1) as pydantic models.

These models check structure and types; `rules.py` checks what spans fields (one
correct option, unique ids, ...). `quiz schema` prints their JSON Schema, which
editors use for completion.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    TypeAdapter,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from app.domain.challenge import Difficulty, Level

MIN_SECONDS, MAX_SECONDS = 5, 3600
MIN_ATTEMPTS, MAX_ATTEMPTS = 1, 10
MAX_PROBLEMS = 50
MAX_RETAKE_AFTER = 7 * 24 * 3600
_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)$")
_LONG_CLOCK = re.compile(r"^(\d{1,5}):([0-5]\d)$")


def _shown(value: Any) -> str:
    """A value as the author wrote it in YAML: "text" quoted, true/false, numbers bare."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


def parse_time_limit(value: Any) -> int:
    """ "2:00", "90" or 90 -> seconds, within 5 s .. 1 h."""
    seconds = _clock_seconds(value, _CLOCK)
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise _out_of_range(value, seconds < MIN_SECONDS, "a time limit must be from 0:05 to 60:00")
    return seconds


def parse_retake_after(value: Any) -> int:
    """ "10:00", "0:00", "90" or 90 -> seconds, within 0 .. 7 days (minutes may exceed 99)."""
    seconds = _clock_seconds(value, _LONG_CLOCK)
    if seconds > MAX_RETAKE_AFTER:
        raise _out_of_range(value, False, "a retake wait must be from 0:00 to 10080:00 (7 days)")
    return seconds


def _clock_seconds(value: Any, pattern: re.Pattern[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PydanticCustomError(
            "time_format",
            "{shown} is not a time; write m:ss or whole seconds",
            {"shown": _shown(value)},
        )
    text = str(value).strip()
    match = pattern.match(text)
    if match:
        return int(match.group(1)) * 60 + int(match.group(2))
    if text.isdigit():
        return int(text)
    raise PydanticCustomError(
        "time_format",
        '"{value}" is not a time; write m:ss or whole seconds',
        {"value": text},
    )


def _out_of_range(value: Any, short: bool, rule: str) -> PydanticCustomError:
    shown = f"{value} seconds" if isinstance(value, int) else f'"{str(value).strip()}"'
    return PydanticCustomError(
        "time_range",
        "{shown} is too {how}; {rule}",
        {"shown": shown, "how": "short" if short else "long", "rule": rule},
    )


def parse_attempts(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError(
            "attempts_type",
            "{shown} is not a whole number of attempts",
            {"shown": _shown(value)},
        )
    if not MIN_ATTEMPTS <= value <= MAX_ATTEMPTS:
        raise PydanticCustomError(
            "attempts_range",
            "{value} attempts is out of range; allow 1 to 10",
            {"value": value},
        )
    return value


def to_text(value: Any) -> Any:
    # YAML reads `text: 128` as a number; a number is fine as option or prompt text.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def parse_expected(value: Any) -> str | list[int] | None:
    """A shape as text ("(2, 3, 5)", checked later) or as a list of whole numbers."""
    value = to_text(value)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        for dim in value:
            if isinstance(dim, bool) or not isinstance(dim, int):
                raise PydanticCustomError(
                    "shape_dims",
                    "{shown} is not a whole number; write the shape like [2, 3, 5]",
                    {"shown": _shown(dim)},
                )
        return value
    # One message for the field, instead of one per member of a union.
    raise PydanticCustomError("shape_type", "expected a shape")


def _clock_schema(minutes: str, least: int, most: int, about: str, examples: list[Any]) -> Any:
    """The JSON Schema of a duration field: "m:ss" text or whole seconds."""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": rf"^(\d{{{minutes}}}:[0-5]\d|\d+)$"},
                {"type": "integer", "minimum": least, "maximum": most},
            ],
            "description": about,
            "examples": examples,
        }
    )


TimeLimit = Annotated[
    int,
    BeforeValidator(parse_time_limit),
    _clock_schema(
        "1,2", MIN_SECONDS, MAX_SECONDS, 'Countdown: "m:ss" or whole seconds, 5 s to 1 h.',
        ["2:00", "1:30", 90],
    ),
]  # fmt: skip
RetakeAfter = Annotated[
    int,
    BeforeValidator(parse_retake_after),
    _clock_schema(
        "1,5", 0, MAX_RETAKE_AFTER,
        "How long after a run ends the learner may start the set again: "
        '"m:ss" or whole seconds, 0 to 7 days; default "10:00", "0:00" at once.',
        ["10:00", "0:00", "60:00"],
    ),
]  # fmt: skip
Attempts = Annotated[
    int,
    BeforeValidator(parse_attempts),
    WithJsonSchema({"type": "integer", "minimum": MIN_ATTEMPTS, "maximum": MAX_ATTEMPTS}),
]
Text = Annotated[str, BeforeValidator(to_text)]
ExpectedShape = Annotated[
    str | list[int] | None,
    PlainValidator(parse_expected),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {"items": {"type": "integer"}, "type": "array"},
                {"type": "null"},
            ]
        }
    ),
]
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
Slug = Annotated[str, Field(pattern=SLUG_PATTERN.pattern)]
ProblemId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
ExceptionName = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$",
        description="Exception class the snippet raises, e.g. RuntimeError; null: runs cleanly.",
    ),
]
ChoiceType = Literal["model_choice", "hyperparameter", "metrics", "debug", "conceptual"]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptionSpec(Spec):
    text: Text
    correct: bool = False
    why: Text | None = Field(None, description="Feedback on this option, shown once it is over.")


class ShapeAnswerSpec(Spec):
    shape_of: str = Field(description="Expression evaluated after `code`; a tensor gives .shape.")
    expected: ExpectedShape = Field(None, description='The shape, e.g. "(2, 3, 5)".')
    device: Literal["meta"] | None = Field(None, description="Run on torch's meta device.")


class BadgeSpec(Spec):
    name: Text
    description: Text


class DefaultsSpec(Spec):
    time_limit: TimeLimit | None = None
    max_attempts: Attempts | None = None


class ProblemSpecBase(Spec):
    id: ProblemId = Field(description="Unique within the file; keep it stable across edits.")
    level: Level
    title: Text
    prompt: Text
    time_limit: TimeLimit | None = None
    max_attempts: Attempts | None = None
    code: str | None = None
    raises: ExceptionName | None = None
    options: list[OptionSpec] | None = None
    hint: Text | None = None
    explanation: Text | None = None


class PredictOutputSpec(ProblemSpecBase):
    type: Literal["predict_output"]
    answer: ShapeAnswerSpec | None = None


class ChoiceProblemSpec(ProblemSpecBase):
    type: ChoiceType


ProblemSpec = Annotated[PredictOutputSpec | ChoiceProblemSpec, Field(discriminator="type")]


class SetSpecBase(Spec):
    slug: Slug | None = Field(None, description="Defaults to the file name without .yaml.")
    title: Text
    topic: Text | None = None
    summary: Text | None = None


class ChallengeFileSpec(SetSpecBase):
    kind: Literal["challenge"]
    badge: BadgeSpec
    retake_after: RetakeAfter | None = None
    defaults: DefaultsSpec | None = None
    problems: list[ProblemSpec] = Field(min_length=1, max_length=MAX_PROBLEMS)


class FlashcardSpec(Spec):
    level: Level = Level.BEGINNER
    front: Text
    back: Text


class ItemSpecBase(Spec):
    """A multiple-choice question of a pattern set (quiz or practice)."""

    level: Difficulty = Difficulty.MEDIUM
    prompt: Text
    code: str | None = None
    raises: ExceptionName | None = None
    answer: ShapeAnswerSpec | None = None
    options: list[OptionSpec]


class QuizItemSpec(ItemSpecBase):
    explanation: Text | None = None


class ConceptSpec(Spec):
    name: Text
    keywords: list[Text] = Field(min_length=1)


class ExplainSpec(Spec):
    prompt: Text
    hint: Text | None = None
    concepts: list[ConceptSpec] = Field(min_length=1)


class PracticeSpec(ItemSpecBase):
    solution: list[Text] = []
    final_answer: Text | None = None
    quick_check: Text | None = None
    hint: Text | None = None
    common_mistakes: list[Text] = []


class TestMixSpec(Spec):
    easy: int = Field(0, ge=0)
    medium: int = Field(0, ge=0)
    hard: int = Field(0, ge=0)


class TestSpecModel(Spec):
    questions: int = Field(10, ge=1, le=50)
    mix: TestMixSpec


class PatternFileSpec(SetSpecBase):
    kind: Literal["pattern"]
    flashcards: list[FlashcardSpec] = []
    quiz: list[QuizItemSpec] = []
    explain: list[ExplainSpec] = []
    practice: list[PracticeSpec] = []
    test: TestSpecModel | None = None


SetFileSpec = Annotated[ChallengeFileSpec | PatternFileSpec, Field(discriminator="kind")]
SET_FILE_ADAPTER: TypeAdapter[ChallengeFileSpec | PatternFileSpec] = TypeAdapter(SetFileSpec)


PROBLEM_ADAPTER: TypeAdapter[PredictOutputSpec | ChoiceProblemSpec] = TypeAdapter(ProblemSpec)


def json_schema() -> dict[str, Any]:
    schema = SET_FILE_ADAPTER.json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://torch-quiz.local/challenge.schema.json",
        "title": "torch-quiz challenge set",
        "description": "A challenge or pattern set for torch-quiz (see docs/authoring.md).",
        **schema,
    }
