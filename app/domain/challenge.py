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
from app.domain.variants import Param, Variant, variants_of


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
    # With params: `expected` as written, placeholders and all ("(${batch}, 3)"); each
    # variant's `expected` is this text filled in (app.domain.variants.render).
    expected_text: str | None = None


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
    params: tuple[Param, ...] = ()  # placeholders' values: each combination is a variant

    @property
    def is_multiple_choice(self) -> bool:
        return bool(self.options)

    @property
    def variants(self) -> tuple[Variant, ...]:
        """Every combination of `params`, in product order; none without params."""
        return variants_of(self.params)

    @property
    def correct_index(self) -> int | None:
        for index, option in enumerate(self.options):
            if option.correct:
                return index
        return None

    def content_hash(self) -> str:
        """Identifies a revision: equal content, equal hash, whatever the file around it."""
        return content_hash(_as_before_variants(asdict(self)))


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
    problems: tuple[Problem, ...] = ()  # every problem, pooled ones included, file order
    pattern: PatternContent | None = None
    source: str | None = field(default=None, compare=False)
    # How long after the end of a learner's run they may start the set again.
    retake_after_seconds: int = DEFAULT_RETAKE_AFTER
    # Keys of the problems that share one position of a run (a `pool:` entry).
    pools: tuple[tuple[str, ...], ...] = ()

    def positions(self) -> tuple[tuple[Problem, ...], ...]:
        """What a run takes, in order: one problem, or a pool to draw one from."""
        pool_of = {key: pool for pool in self.pools for key in pool}
        positions: list[tuple[Problem, ...]] = []
        done: set[str] = set()
        by_key = {problem.key: problem for problem in self.problems}
        for problem in self.problems:
            if problem.key in done:
                continue
            members = pool_of.get(problem.key, (problem.key,))
            done.update(members)
            positions.append(tuple(by_key[key] for key in members if key in by_key))
        return tuple(positions)

    def describe(self) -> str:
        """What the set holds, in a few words: "5 problems" or "5 flashcards, 9 quiz ..."."""
        if self.pattern is None:
            count = f"{len(self.positions())} problem(s)"
            if self.pools:
                pooled = sum(len(pool) for pool in self.pools)
                count += f", {len(self.pools)} drawn from pools of {pooled}"
            variants = sum(len(problem.variants) for problem in self.problems)
            return count + (f", {variants} variant(s)" if variants else "")
        parts = [
            (len(self.pattern.flashcards), "flashcard(s)"),
            (len(self.pattern.quiz), "quiz question(s)"),
            (len(self.pattern.explain), "explain prompt(s)"),
            (len(self.pattern.practice), "practice problem(s)"),
        ]
        return ", ".join(f"{count} {noun}" for count, noun in parts if count) or "empty"

    @property
    def total_seconds(self) -> int:
        """The longest a run can take: a pool counts its longest problem."""
        return sum(
            max(problem.time_limit_seconds for problem in position) for position in self.positions()
        )

    def content_hash(self) -> str:
        data = asdict(self)
        data.pop("source")
        if not self.pools:
            data.pop("pools")
        data["problems"] = [_as_before_variants(problem) for problem in data["problems"]]
        return content_hash(data)


def _as_before_variants(problem: dict[str, Any]) -> dict[str, Any]:
    """A problem's data without the variant fields it leaves empty, so problems without
    params keep the content hashes (and revisions) they had before variants existed."""
    if not problem["params"]:
        problem.pop("params")
    answer = problem.get("answer")
    if answer is not None and answer.get("expected_text") is None:
        answer.pop("expected_text", None)
    return problem


def content_hash(data: Any) -> str:
    encoded = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()
