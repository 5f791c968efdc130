"""What a learner sees of one problem in a run: the same value feeds the page and the API.

The answer, the explanation and each option's "why" are filled in only once the
problem is over, so they cannot leak into HTML, JSON or scripts before that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.domain.answers import correct_answer_text, expected_shape
from app.domain.challenge import Level, Problem, ProblemType
from app.domain.runs import Outcome, remaining_seconds
from app.domain.shapes import (
    DimensionFeedback,
    Shape,
    ShapeSyntaxError,
    compare_shapes,
    parse_shape,
)
from app.persistence.run_problems import Facts, State
from app.persistence.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class AttemptView:
    number: int
    answer_text: str
    displayed_index: int | None
    correct: bool


@dataclass(frozen=True)
class Reveal:
    """Shown once the problem is over."""

    explanation: str | None
    correct_answer: str | None
    correct_index: int | None  # displayed index
    option_whys: tuple[str | None, ...]  # in displayed order
    shape_feedback: DimensionFeedback | None


@dataclass(frozen=True)
class ProblemView:
    run_id: str
    number: int
    total: int
    set_slug: str
    set_title: str
    topic: str | None
    type: ProblemType
    level: Level
    title: str
    prompt: str
    code: str | None
    time_limit_seconds: float
    remaining_seconds: float
    max_attempts: int
    attempts_left: int
    options: tuple[str, ...]
    is_multiple_choice: bool
    hint: str | None  # only once asked for
    has_hint: bool
    outcome: Outcome
    attempts: tuple[AttemptView, ...]
    progress: tuple[Outcome, ...]
    reveal: Reveal | None

    @property
    def finished(self) -> bool:
        return self.outcome.is_over

    @property
    def run_unfinished(self) -> bool:
        """Another problem of this run is still to do: "Run it" runs only the code as shown."""
        return any(not outcome.is_over for outcome in self.progress)

    @property
    def tried_options(self) -> frozenset[int]:
        return frozenset(a.displayed_index for a in self.attempts if a.displayed_index is not None)

    @property
    def last_attempt(self) -> AttemptView | None:
        return self.attempts[-1] if self.attempts else None


def displayed(order: list[int] | None, authored: int | None) -> int | None:
    if authored is None or not order:
        return authored
    return order.index(authored)


def _feedback(answer_text: str, expected: Shape) -> DimensionFeedback | None:
    """None for an answer stored before today's bounds that they would now refuse."""
    try:
        return compare_shapes(parse_shape(answer_text), expected)
    except ShapeSyntaxError:
        return None


def reveal(problem: Problem, found: Facts, last: AttemptView | None) -> Reveal:
    order = found.option_order or list(range(len(problem.options)))
    feedback = None
    expected = expected_shape(problem, found.executed)
    if not problem.is_multiple_choice and last is not None and expected is not None:
        feedback = _feedback(last.answer_text, expected)
    return Reveal(
        explanation=problem.explanation,
        correct_answer=correct_answer_text(problem, found.executed),
        correct_index=displayed(order, problem.correct_index),
        option_whys=tuple(problem.options[i].why for i in order) if problem.options else (),
        shape_feedback=feedback,
    )


def build(
    uow: UnitOfWork, found: Facts, problem: Problem, states: list[State], now: datetime
) -> ProblemView:
    state = states[found.position - 1]
    outcome = state.outcome(now)
    attempts = tuple(
        AttemptView(
            number=attempt.number,
            answer_text=attempt.answer_text,
            displayed_index=displayed(found.option_order, attempt.option_index),
            correct=attempt.correct,
        )
        for attempt in (uow.run_problems.attempts(found.id) if state.attempts_used else ())
    )
    order = found.option_order or list(range(len(problem.options)))
    remaining = remaining_seconds(state.deadline, found.time_limit_seconds, now)
    return ProblemView(
        run_id=found.run_id,
        number=found.position,
        total=found.total,
        set_slug=found.set_slug,
        set_title=found.set_title,
        topic=found.topic,
        type=problem.type,
        level=problem.level,
        title=problem.title,
        prompt=problem.prompt,
        code=problem.code,
        time_limit_seconds=found.time_limit_seconds,
        remaining_seconds=0.0 if outcome.is_over else remaining,
        max_attempts=found.max_attempts,
        attempts_left=0 if outcome.is_over else found.max_attempts - state.attempts_used,
        options=tuple(problem.options[i].text for i in order),
        is_multiple_choice=problem.is_multiple_choice,
        hint=problem.hint if state.hint_used else None,
        has_hint=problem.hint is not None,
        outcome=outcome,
        attempts=attempts,
        progress=tuple(s.outcome(now) for s in states),
        reveal=reveal(problem, found, attempts[-1] if attempts else None)
        if outcome.is_over
        else None,
    )
