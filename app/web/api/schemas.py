"""JSON bodies of the API (CONTRACT §3): the shapes clients rely on, built from service values.

A body whose fields are the value's (renamed at most, `validation_alias`) is read from
it (`FromValues`, `model_validate`); `.of()` is for bodies that reshape the value (the
catalog's set, a problem and its reveal: the latter are on the answer path, built
directly).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from app.domain.shapes import DIMENSION_LIMIT, MAX_DIMENSIONS, MAX_SHAPE_CHARS
from app.services.awards import AwardView
from app.services.catalog import CatalogEntry
from app.services.problem_views import ProblemView, Reveal
from app.services.problems import AnswerResult
from app.services.runs import RunSummary


class FromValues(BaseModel):
    """A body read from a service value's attributes of the same names."""

    model_config = ConfigDict(from_attributes=True)


class Credentials(BaseModel):
    username: str = Field(max_length=64, examples=["ada"])
    password: str = Field(max_length=256, examples=["a long passphrase"])


class LearnerOut(FromValues):
    id: int
    username: str
    is_admin: bool
    time_multiplier: float


class BadgeOut(BaseModel):
    name: str
    description: str


class SetOut(BaseModel):
    slug: str
    kind: str
    title: str
    topic: str | None
    level: str | None = Field(description="The most common level of its problems")
    summary: str | None
    problem_count: int
    total_seconds: int
    badge: BadgeOut | None
    badge_earned: bool
    best_correct: int | None
    open_run_id: str | None = Field(description="The learner's open run of the set, to continue")
    retake_opens_at: datetime | None = Field(
        description="A new run of the set waits until then (its retake_after)"
    )

    @classmethod
    def of(cls, entry: CatalogEntry) -> SetOut:
        found = entry.challenge_set
        badge = found.badge
        return cls(
            slug=found.slug,
            kind=found.kind.value,
            title=found.title,
            topic=found.topic,
            level=entry.level.value if entry.level else None,
            summary=found.summary,
            problem_count=entry.problem_count,
            total_seconds=entry.total_seconds,
            badge=BadgeOut(name=badge.name, description=badge.description) if badge else None,
            badge_earned=entry.badge_earned_at is not None,
            best_correct=entry.best.correct if entry.best else None,
            open_run_id=entry.open_run_id,
            retake_opens_at=entry.retake_opens_at,
        )


class RunProblemOut(FromValues):
    n: int = Field(validation_alias="number")
    title: str
    type: str
    level: str
    time_limit_seconds: float
    max_attempts: int
    attempts_used: int
    hint_used: bool
    outcome: str


class RunOut(FromValues):
    run_id: str
    slug: str = Field(validation_alias="set_slug")
    title: str = Field(validation_alias="set_title")
    started_at: datetime
    finished: bool
    badge_awarded: bool
    correct: int = Field(validation_alias="correct_count")
    problems: list[RunProblemOut]

    @classmethod
    def of(cls, run: RunSummary) -> RunOut:
        return cls.model_validate(run)


class OptionOut(BaseModel):
    text: str


class ProblemOut(BaseModel):
    """A problem without its answer; `explanation` and the answer only once it is over."""

    run_id: str
    n: int
    total: int
    type: str
    level: str
    title: str
    prompt: str
    code: str | None
    topic: str | None
    time_limit_seconds: float
    remaining_seconds: float
    max_attempts: int
    attempts_left: int
    options: list[OptionOut] | None
    hint: str | None
    outcome: str
    finished: bool
    explanation: str | None = None
    correct_answer: str | None = None
    correct_index: int | None = None

    @classmethod
    def of(cls, v: ProblemView) -> ProblemOut:
        return cls(
            run_id=v.run_id,
            n=v.number,
            total=v.total,
            type=v.type.value,
            level=v.level.value,
            title=v.title,
            prompt=v.prompt,
            code=v.code,
            topic=v.topic,
            time_limit_seconds=v.time_limit_seconds,
            remaining_seconds=round(v.remaining_seconds, 3),
            max_attempts=v.max_attempts,
            attempts_left=v.attempts_left,
            options=[OptionOut(text=t) for t in v.options] if v.is_multiple_choice else None,
            hint=v.hint,
            outcome=v.outcome.value,
            finished=v.finished,
            **_revealed(v.reveal),
        )


class AnswerIn(BaseModel):
    # StrictInt: lax int read `true` as option 1 and `0.0` as option 0, using an attempt.
    answer: StrictInt | Annotated[str, Field(max_length=MAX_SHAPE_CHARS)] = Field(
        description=(
            "Option index from 0, or a shape written like (batch, seq_len, hidden): "
            f"at most {MAX_SHAPE_CHARS} characters and {MAX_DIMENSIONS} dimensions, "
            f"each below {DIMENSION_LIMIT}"
        )
    )


class AnswerOut(BaseModel):
    correct: bool
    attempts_left: int
    remaining_seconds: float
    finished: bool
    outcome: str
    explanation: str | None = None
    correct_answer: str | None = None
    correct_index: int | None = None

    @classmethod
    def of(cls, r: AnswerResult) -> AnswerOut:
        return cls(
            correct=r.correct,
            attempts_left=r.attempts_left,
            remaining_seconds=round(r.remaining_seconds, 3),
            finished=r.finished,
            outcome=r.outcome.value,
            **_revealed(r.reveal),
        )


class HintOut(BaseModel):
    hint: str | None


class AwardOut(FromValues):
    id: str
    badge_name: str
    badge_description: str
    set_slug: str
    set_title: str
    run_id: str
    awarded_at: datetime

    @classmethod
    def of(cls, award: AwardView) -> AwardOut:
        return cls.model_validate(award)


def _revealed(reveal: Reveal | None) -> dict[str, Any]:
    """The answer and explanation, present only once the problem is over."""
    if reveal is None:
        return {"explanation": None, "correct_answer": None, "correct_index": None}
    return {
        "explanation": reveal.explanation,
        "correct_answer": reveal.correct_answer,
        "correct_index": reveal.correct_index,
    }
