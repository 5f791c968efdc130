"""Validated file models -> domain values, applying defaults."""

from __future__ import annotations

from typing import TypedDict

from app.authoring.schema import (
    ChallengeFileSpec,
    ItemSpecBase,
    OptionSpec,
    PatternFileSpec,
    PredictOutputSpec,
    ProblemSpecBase,
    ShapeAnswerSpec,
)
from app.domain.challenge import (
    DEFAULT_RETAKE_AFTER,
    Badge,
    ChallengeSet,
    Concept,
    Difficulty,
    ExplainPrompt,
    Flashcard,
    Option,
    PatternContent,
    PracticeItem,
    Problem,
    ProblemType,
    QuizItem,
    RaisesClaim,
    SetKind,
    ShapeAnswer,
    TestSpec,
)
from app.domain.shapes import parse_shape

# When neither the problem nor the file's `defaults` say: the seeds' usual values.
DEFAULT_TIME_LIMIT = 120
DEFAULT_MAX_ATTEMPTS = 2


def to_challenge_set(
    spec: ChallengeFileSpec | PatternFileSpec, *, default_slug: str, source: str
) -> ChallengeSet:
    slug = spec.slug or default_slug
    if isinstance(spec, PatternFileSpec):
        return ChallengeSet(
            slug=slug,
            kind=SetKind.PATTERN,
            title=spec.title,
            topic=spec.topic,
            summary=spec.summary,
            pattern=_pattern(spec),
            source=source,
        )
    defaults = spec.defaults
    time_limit = (defaults.time_limit if defaults else None) or DEFAULT_TIME_LIMIT
    attempts = (defaults.max_attempts if defaults else None) or DEFAULT_MAX_ATTEMPTS
    return ChallengeSet(
        slug=slug,
        kind=SetKind.CHALLENGE,
        title=spec.title,
        topic=spec.topic,
        summary=spec.summary,
        badge=Badge(name=spec.badge.name, description=spec.badge.description),
        problems=tuple(_problem(problem, time_limit, attempts) for problem in spec.problems),
        source=source,
        retake_after_seconds=(
            DEFAULT_RETAKE_AFTER if spec.retake_after is None else spec.retake_after
        ),
    )


def _problem(spec: ProblemSpecBase, time_limit: int, attempts: int) -> Problem:
    answer = spec.answer if isinstance(spec, PredictOutputSpec) else None
    return Problem(
        key=spec.id,
        type=ProblemType(spec.type),  # type: ignore[attr-defined]
        level=spec.level,
        title=spec.title,
        prompt=spec.prompt,
        time_limit_seconds=spec.time_limit or time_limit,
        max_attempts=spec.max_attempts or attempts,
        code=spec.code,
        answer=_answer(answer),
        raises=_raises(spec.raises, "raises" in spec.model_fields_set),
        options=_options(spec.options or []),
        hint=spec.hint,
        explanation=spec.explanation,
    )


def _answer(spec: ShapeAnswerSpec | None) -> ShapeAnswer | None:
    if spec is None:
        return None
    expected = spec.expected
    shape = None
    if isinstance(expected, list):
        shape = tuple(expected)
    elif expected is not None:
        shape = parse_shape(expected)
    return ShapeAnswer(shape_of=spec.shape_of, expected=shape, device=spec.device)


def _raises(exception: str | None, claimed: bool) -> RaisesClaim | None:
    return RaisesClaim(exception) if claimed else None


def _options(options: list[OptionSpec]) -> tuple[Option, ...]:
    return tuple(Option(text=o.text, correct=o.correct, why=o.why) for o in options)


class _ItemFields(TypedDict):
    level: Difficulty
    prompt: str
    code: str | None
    options: tuple[Option, ...]
    answer: ShapeAnswer | None
    raises: RaisesClaim | None


def _item_fields(item: ItemSpecBase) -> _ItemFields:
    return {
        "level": item.level,
        "prompt": item.prompt,
        "code": item.code,
        "options": _options(item.options),
        "answer": _answer(item.answer),
        "raises": _raises(item.raises, "raises" in item.model_fields_set),
    }


def _pattern(spec: PatternFileSpec) -> PatternContent:
    test = spec.test
    return PatternContent(
        flashcards=tuple(Flashcard(c.level, c.front, c.back) for c in spec.flashcards),
        quiz=tuple(QuizItem(explanation=q.explanation, **_item_fields(q)) for q in spec.quiz),
        explain=tuple(
            ExplainPrompt(
                prompt=e.prompt,
                hint=e.hint,
                concepts=tuple(Concept(c.name, tuple(c.keywords)) for c in e.concepts),
            )
            for e in spec.explain
        ),
        practice=tuple(
            PracticeItem(
                solution=tuple(p.solution),
                final_answer=p.final_answer,
                quick_check=p.quick_check,
                hint=p.hint,
                common_mistakes=tuple(p.common_mistakes),
                **_item_fields(p),
            )
            for p in spec.practice
        ),
        test=(
            TestSpec(
                questions=test.questions,
                mix={
                    Difficulty(level): count
                    for level, count in test.mix.model_dump().items()
                    if count
                },
            )
            if test
            else None
        ),
    )
