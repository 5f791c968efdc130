"""Challenge sets and their problems, as the rest of the app sees them.

Plain, immutable values: the authoring layer builds them from YAML, persistence
stores them, services and pages read them. Nothing here knows about files,
databases or HTTP.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from app.domain.shapes import Shape


class SetKind(StrEnum):
    CHALLENGE = "challenge"
    PATTERN = "pattern"


class ProblemType(StrEnum):
    PREDICT_OUTPUT = "predict_output"
    MODEL_CHOICE = "model_choice"
    HYPERPARAMETER = "hyperparameter"
    METRICS = "metrics"
    DEBUG = "debug"
    CONCEPTUAL = "conceptual"

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self][0]

    @property
    def icon(self) -> str:
        return _TYPE_LABELS[self][1]


_TYPE_LABELS: dict[ProblemType, tuple[str, str]] = {
    ProblemType.PREDICT_OUTPUT: ("Predict Output", "❓"),
    ProblemType.MODEL_CHOICE: ("Model Choice", "❓"),
    ProblemType.HYPERPARAMETER: ("Hyperparameter", "❓"),
    ProblemType.METRICS: ("Metrics", "❓"),
    ProblemType.DEBUG: ("Debug", "🔧"),
    ProblemType.CONCEPTUAL: ("Conceptual", "🧠"),
}


class Level(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"
    EXPERT = "expert"


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool = False
    why: str | None = None


@dataclass(frozen=True)
class ShapeAnswer:
    """A free-text (or checked) shape answer: `shape_of` is evaluated after the code runs."""

    shape_of: str
    expected: Shape | None = None
    device: str | None = None


@dataclass(frozen=True)
class RaisesClaim:
    """What the author claims the snippet does: raise `exception`, or (None) run cleanly."""

    exception: str | None


@dataclass(frozen=True)
class Problem:
    key: str
    type: ProblemType
    level: Level
    title: str
    prompt: str
    time_limit_seconds: int
    max_attempts: int
    code: str | None = None
    answer: ShapeAnswer | None = None
    raises: RaisesClaim | None = None
    options: tuple[Option, ...] = ()
    hint: str | None = None
    explanation: str | None = None

    @property
    def is_multiple_choice(self) -> bool:
        return bool(self.options)

    @property
    def correct_index(self) -> int | None:
        for index, option in enumerate(self.options):
            if option.correct:
                return index
        return None

    def content_hash(self) -> str:
        """Identifies a revision: equal content, equal hash, whatever the file around it."""
        return content_hash(asdict(self))


@dataclass(frozen=True)
class Badge:
    name: str
    description: str


@dataclass(frozen=True)
class Flashcard:
    level: Level
    front: str
    back: str


@dataclass(frozen=True)
class QuizItem:
    prompt: str
    options: tuple[Option, ...]
    explanation: str | None = None
    level: Difficulty = Difficulty.MEDIUM
    code: str | None = None
    answer: ShapeAnswer | None = None
    raises: RaisesClaim | None = None


@dataclass(frozen=True)
class Concept:
    name: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class ExplainPrompt:
    prompt: str
    concepts: tuple[Concept, ...]
    hint: str | None = None


@dataclass(frozen=True)
class PracticeItem:
    level: Difficulty
    prompt: str
    options: tuple[Option, ...] = ()
    code: str | None = None
    solution: tuple[str, ...] = ()
    final_answer: str | None = None
    quick_check: str | None = None
    hint: str | None = None
    common_mistakes: tuple[str, ...] = ()
    answer: ShapeAnswer | None = None
    raises: RaisesClaim | None = None


@dataclass(frozen=True)
class TestSpec:
    questions: int
    mix: dict[Difficulty, int]


@dataclass(frozen=True)
class PatternContent:
    flashcards: tuple[Flashcard, ...] = ()
    quiz: tuple[QuizItem, ...] = ()
    explain: tuple[ExplainPrompt, ...] = ()
    practice: tuple[PracticeItem, ...] = ()
    test: TestSpec | None = None


DEFAULT_RETAKE_AFTER = 600  # "10:00"


@dataclass(frozen=True)
class ChallengeSet:
    slug: str
    kind: SetKind
    title: str
    topic: str | None = None
    summary: str | None = None
    badge: Badge | None = None
    problems: tuple[Problem, ...] = ()
    pattern: PatternContent | None = None
    source: str | None = field(default=None, compare=False)
    # How long after the end of a learner's run they may start the set again.
    retake_after_seconds: int = DEFAULT_RETAKE_AFTER

    def describe(self) -> str:
        """What the set holds, in a few words: "5 problems" or "5 flashcards, 9 quiz ..."."""
        if self.pattern is None:
            return f"{len(self.problems)} problem(s)"
        parts = [
            (len(self.pattern.flashcards), "flashcard(s)"),
            (len(self.pattern.quiz), "quiz question(s)"),
            (len(self.pattern.explain), "explain prompt(s)"),
            (len(self.pattern.practice), "practice problem(s)"),
        ]
        return ", ".join(f"{count} {noun}" for count, noun in parts if count) or "empty"

    @property
    def total_seconds(self) -> int:
        return sum(problem.time_limit_seconds for problem in self.problems)

    def content_hash(self) -> str:
        data = asdict(self)
        data.pop("source")
        return content_hash(data)


def content_hash(data: Any) -> str:
    encoded = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()
