"""Domain values to JSON and back, for the JSON columns (revisions, pattern content)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from app.domain.challenge import (
    Concept,
    Difficulty,
    ExplainPrompt,
    Flashcard,
    Level,
    Option,
    PatternContent,
    PracticeItem,
    Problem,
    ProblemType,
    QuizItem,
    RaisesClaim,
    ShapeAnswer,
    TestSpec,
)
from app.domain.variants import Param


def problem_to_json(problem: Problem) -> dict[str, Any]:
    return asdict(problem)


def _options(items: list[dict[str, Any]]) -> tuple[Option, ...]:
    return tuple(Option(**item) for item in items)


def _answer(data: dict[str, Any] | None) -> ShapeAnswer | None:
    if not data:
        return None
    expected = data.get("expected")
    return ShapeAnswer(
        shape_of=data["shape_of"],
        expected=tuple(expected) if expected is not None else None,
        device=data.get("device"),
        expected_text=data.get("expected_text"),
    )


def _raises(data: dict[str, Any] | None) -> RaisesClaim | None:
    return RaisesClaim(data["exception"]) if data else None


def problem_from_json(data: dict[str, Any]) -> Problem:
    answer = data.get("answer")
    raises = data.get("raises")
    return Problem(
        key=data["key"],
        type=ProblemType(data["type"]),
        level=Level(data["level"]),
        title=data["title"],
        prompt=data["prompt"],
        time_limit_seconds=data["time_limit_seconds"],
        max_attempts=data["max_attempts"],
        code=data.get("code"),
        answer=_answer(answer),
        raises=_raises(raises),
        options=_options(data.get("options", [])),
        hint=data.get("hint"),
        explanation=data.get("explanation"),
        params=tuple(Param(p["name"], tuple(p["values"])) for p in data.get("params", [])),
    )


def pattern_to_json(pattern: PatternContent) -> dict[str, Any]:
    return asdict(pattern)


def pattern_from_json(data: dict[str, Any]) -> PatternContent:
    test = data.get("test")
    return PatternContent(
        flashcards=tuple(
            Flashcard(level=Level(card["level"]), front=card["front"], back=card["back"])
            for card in data.get("flashcards", [])
        ),
        quiz=tuple(
            QuizItem(
                prompt=item["prompt"],
                options=_options(item["options"]),
                explanation=item.get("explanation"),
                level=Difficulty(item["level"]),
                code=item.get("code"),
                answer=_answer(item.get("answer")),
                raises=_raises(item.get("raises")),
            )
            for item in data.get("quiz", [])
        ),
        explain=tuple(
            ExplainPrompt(
                prompt=item["prompt"],
                hint=item.get("hint"),
                concepts=tuple(
                    Concept(name=c["name"], keywords=tuple(c["keywords"])) for c in item["concepts"]
                ),
            )
            for item in data.get("explain", [])
        ),
        practice=tuple(
            PracticeItem(
                level=Difficulty(item["level"]),
                prompt=item["prompt"],
                options=_options(item.get("options", [])),
                code=item.get("code"),
                solution=tuple(item.get("solution", [])),
                final_answer=item.get("final_answer"),
                quick_check=item.get("quick_check"),
                hint=item.get("hint"),
                common_mistakes=tuple(item.get("common_mistakes", [])),
                answer=_answer(item.get("answer")),
                raises=_raises(item.get("raises")),
            )
            for item in data.get("practice", [])
        ),
        test=(
            TestSpec(
                questions=test["questions"],
                mix={Difficulty(k): v for k, v in test["mix"].items()},
            )
            if test
            else None
        ),
    )
