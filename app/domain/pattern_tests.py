"""Drawing "Test this pattern" questions across easy / medium / hard, and scoring them.

Questions come from a pattern's quiz and practice items (both multiple choice). The
mix says how many of each level; when a level runs short, others fill in.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.domain.challenge import Difficulty, Option, PatternContent


@dataclass(frozen=True)
class QuestionRef:
    """Points at a quiz or practice item by its position in the pattern."""

    source: str  # "quiz" | "practice"
    index: int

    def key(self) -> str:
        return f"{self.source}:{self.index}"


@dataclass(frozen=True)
class TestQuestion:
    ref: QuestionRef
    level: Difficulty
    prompt: str
    options: tuple[Option, ...]
    code: str | None
    explanation: str | None

    @property
    def correct_index(self) -> int | None:
        return next((i for i, option in enumerate(self.options) if option.correct), None)


def question_pool(pattern: PatternContent) -> list[TestQuestion]:
    pool = [
        TestQuestion(QuestionRef("quiz", i), q.level, q.prompt, q.options, q.code, q.explanation)
        for i, q in enumerate(pattern.quiz)
        if q.options
    ]
    pool += [
        TestQuestion(
            QuestionRef("practice", i), p.level, p.prompt, p.options, p.code, p.final_answer
        )
        for i, p in enumerate(pattern.practice)
        if p.options
    ]
    return pool


def draw(pattern: PatternContent, rng: random.Random) -> list[TestQuestion]:
    pool = question_pool(pattern)
    spec = pattern.test
    wanted = spec.questions if spec else min(10, len(pool))
    mix: Mapping[Difficulty, int] = spec.mix if spec else {}
    chosen: list[TestQuestion] = []
    for level in Difficulty:
        of_level = [q for q in pool if q.level is level]
        chosen += rng.sample(of_level, min(mix.get(level, 0), len(of_level)))
    rest = [q for q in pool if q not in chosen]
    chosen += rng.sample(rest, max(0, min(wanted - len(chosen), len(rest))))
    order = list(Difficulty)
    return sorted(chosen[:wanted], key=lambda q: order.index(q.level))


def find(pattern: PatternContent, ref: QuestionRef) -> TestQuestion | None:
    return next((q for q in question_pool(pattern) if q.ref == ref), None)


def score(questions: Sequence[TestQuestion], answers: Mapping[str, int | None]) -> int:
    return sum(1 for q in questions if answers.get(q.ref.key()) == q.correct_index)
