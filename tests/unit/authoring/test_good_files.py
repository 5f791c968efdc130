"""Files that must parse: the shipped challenges, and the small fixtures the tests load."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.authoring.loader import find_files, parse_file, parse_text, parse_tree
from app.domain.challenge import (
    Badge,
    Difficulty,
    Level,
    ProblemType,
    RaisesClaim,
    SetKind,
    ShapeAnswer,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
SHIPPED = sorted(find_files(REPO_ROOT / "challenges"))
GOOD = REPO_ROOT / "tests" / "data" / "good"


def test_challenges_folder_has_files() -> None:
    assert len(SHIPPED) >= 3


@pytest.mark.parametrize("path", SHIPPED, ids=[path.name for path in SHIPPED])
def test_every_shipped_file_parses_without_errors(path: Path) -> None:
    parsed = parse_file(path)

    assert [str(error) for error in parsed.errors] == []
    assert parsed.challenge_set is not None


def test_shipped_files_together_have_distinct_slugs() -> None:
    parsed = parse_tree(REPO_ROOT / "challenges")

    assert all(item.ok for item in parsed)
    slugs = [item.challenge_set.slug for item in parsed if item.challenge_set]
    assert len(slugs) == len(set(slugs)) == len(SHIPPED)


def test_good_fixtures_parse() -> None:
    parsed = parse_tree(GOOD)

    assert [str(error) for item in parsed for error in item.errors] == []
    assert sorted(item.challenge_set.slug for item in parsed if item.challenge_set) == [
        "quick-quiz",
        "small-challenge",
        "small-pattern",
    ]


def test_a_challenge_becomes_domain_values_with_defaults_applied() -> None:
    challenge = parse_file(GOOD / "small-challenge.yaml").challenge_set

    assert challenge is not None
    assert challenge.kind is SetKind.CHALLENGE
    assert challenge.badge == Badge("Small Badge", "Answered the small challenge.")
    assert challenge.retake_after_seconds == 0  # "0:00"
    shape, choice, debug = challenge.problems
    assert [p.key for p in challenge.problems] == ["linear-shape", "relu-range", "matmul-error"]
    # The problem's own limits win over the file's defaults ("1:30", 3 attempts).
    assert (shape.time_limit_seconds, shape.max_attempts) == (45, 3)
    assert (choice.time_limit_seconds, choice.max_attempts) == (90, 3)
    assert (debug.time_limit_seconds, debug.max_attempts) == (90, 1)
    assert shape.type is ProblemType.PREDICT_OUTPUT
    assert shape.answer == ShapeAnswer(shape_of="y", expected=(8, 2))
    assert not shape.is_multiple_choice
    # `raises: null` claims a clean run; no `raises` at all claims nothing.
    assert shape.raises == RaisesClaim(None)
    assert choice.raises is None
    assert debug.raises == RaisesClaim("RuntimeError")
    assert choice.level is Level.INTERMEDIATE
    assert choice.correct_index == 0
    assert choice.options[0].why == "ReLU is max(0, x)."
    assert choice.hint == "Draw the function."


def test_without_defaults_a_problem_gets_two_minutes_and_two_attempts() -> None:
    challenge = parse_file(GOOD / "quick-quiz.yaml").challenge_set

    assert challenge is not None
    assert {(p.time_limit_seconds, p.max_attempts) for p in challenge.problems} == {(120, 2)}
    assert challenge.retake_after_seconds == 600  # "10:00"
    # YAML reads `0.001` as a number; option text keeps it as written.
    assert challenge.problems[0].options[0].text == "0.001"


def test_a_pattern_set_becomes_domain_values() -> None:
    pattern_set = parse_file(GOOD / "small-pattern.yaml").challenge_set

    assert pattern_set is not None
    assert pattern_set.kind is SetKind.PATTERN
    assert pattern_set.badge is None
    assert pattern_set.problems == ()
    content = pattern_set.pattern
    assert content is not None
    assert content.flashcards[0].level is Level.BEGINNER  # the default
    assert [item.level for item in content.quiz] == [Difficulty.EASY, Difficulty.MEDIUM]
    assert content.explain[0].concepts[0].keywords == ("order", "bias", "sequence")
    assert content.practice[0].solution == ("Weights are 2 x 3 = 6.", "Biases add 2.", "6 + 2 = 8.")
    assert content.test is not None
    assert content.test.mix == {Difficulty.EASY: 1, Difficulty.MEDIUM: 1}


def test_the_slug_defaults_to_the_file_name() -> None:
    parsed = parse_text("kind: pattern\ntitle: T\n", source="x.yaml", default_slug="my-set")

    assert parsed.challenge_set is not None
    assert parsed.challenge_set.slug == "my-set"


@pytest.mark.parametrize(
    ("written", "shape"),
    [
        ('"(2, 3, 5)"', (2, 3, 5)),
        ("[2, 3, 5]", (2, 3, 5)),  # a YAML list of numbers
        ('"torch.Size([4])"', (4,)),
        ("2x3", (2, 3)),
        ("7", (7,)),  # YAML reads a number
        ('"()"', ()),
    ],
)
def test_expected_shape_in_any_notation(written: str, shape: tuple[int, ...]) -> None:
    text = f"""\
kind: challenge
title: T
badge: {{name: B, description: D}}
problems:
  - id: p
    type: predict_output
    level: beginner
    title: T
    prompt: P
    code: y = 1
    answer:
      shape_of: y
      expected: {written}
"""
    parsed = parse_text(text, source="x.yaml", default_slug="x")

    assert parsed.challenge_set is not None, [str(e) for e in parsed.errors]
    answer = parsed.challenge_set.problems[0].answer
    assert answer is not None
    assert answer.expected == shape
