from __future__ import annotations

import pytest

from app.domain.answers import correct_answer_text, expected_shape, is_correct, read_answer
from app.domain.errors import AnswerNotUnderstood, Unavailable
from tests.builders import choice, shape_problem


def test_choice_is_read_through_the_display_order() -> None:
    problem = choice("q", correct=2)
    order = [2, 0, 3, 1]  # displayed 0 is authored 2
    answer = read_answer(problem, order, 0)
    assert answer.option_index == 2
    assert is_correct(problem, answer, None)
    assert read_answer(problem, order, "1").option_index == 0


@pytest.mark.parametrize(
    "raw",
    [
        -1, 4, "x", "", True, None, "²",
        pytest.param("9" * 5000, id="5000-digits"), pytest.param(10**5000, id="huge-int"),
    ],
)  # fmt: skip
def test_choice_out_of_range_is_not_understood(raw: object) -> None:
    # "²" passes str.isdigit() and 5,000 digits int()'s limit: both once raised ValueError.
    with pytest.raises(AnswerNotUnderstood):
        read_answer(choice("q", correct=0), None, raw)


@pytest.mark.parametrize(
    "raw", ["(2, 3, 5)", "[2,3,5]", "2x3x5", "torch.Size([2, 3, 5])", " 2, 3, 5 "]
)
def test_shape_in_any_notation(raw: str) -> None:
    problem = shape_problem()
    assert is_correct(problem, read_answer(problem, None, raw), None)


def test_unparseable_shape_says_why() -> None:
    with pytest.raises(AnswerNotUnderstood, match="closing"):
        read_answer(shape_problem(), None, "(3, 4")


@pytest.mark.parametrize(
    "raw",
    [10**5000, -(10**5000), "9" * 5000, " " * 300 + "(2, 3, 5)"],
    ids=["huge-int", "huge-negative-int", "5000-digits", "300-characters"],
)
def test_an_oversized_shape_answer_is_not_understood(raw: object) -> None:
    with pytest.raises(AnswerNotUnderstood):
        read_answer(shape_problem(), None, raw)


def test_a_huge_option_index_is_not_understood() -> None:
    with pytest.raises(AnswerNotUnderstood, match="Pick one of the 4 options"):
        read_answer(choice("q", correct=0), None, 10**5000)


def test_execution_wins_over_the_authors_expectation() -> None:
    problem = shape_problem()
    executed = {"shape": [2, 3, 6]}
    assert expected_shape(problem, executed) == (2, 3, 6)
    assert not is_correct(problem, read_answer(problem, None, "(2, 3, 5)"), executed)
    assert correct_answer_text(problem, executed) == "(2, 3, 6)"


def test_shape_without_any_expectation_is_unavailable() -> None:
    from dataclasses import replace

    from app.domain.challenge import ShapeAnswer

    problem = replace(shape_problem(), answer=ShapeAnswer(shape_of="output"))
    with pytest.raises(Unavailable):
        is_correct(problem, read_answer(problem, None, "(1,)"), None)
