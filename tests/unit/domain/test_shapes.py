"""Shapes as people write them (CONTRACT §1): every common notation, any spacing."""

from __future__ import annotations

import pytest

from app.domain.shapes import (
    MAX_DIMENSIONS,
    MAX_SHAPE_CHARS,
    ShapeSyntaxError,
    compare_shapes,
    format_shape,
    parse_shape,
)


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("(8, 3)", (8, 3)),
        ("[8, 3]", (8, 3)),
        ("8, 3", (8, 3)),
        ("8x3", (8, 3)),
        ("8 x 3", (8, 3)),
        ("8X3", (8, 3)),
        ("8 × 3", (8, 3)),
        ("8*3", (8, 3)),
        ("8 3", (8, 3)),
        ("torch.Size([8, 3])", (8, 3)),
        ("torch.Size([8,3])", (8, 3)),
        ("Torch.size ( [ 8 , 3 ] )", (8, 3)),
        ("  ( 8 ,3 )  ", (8, 3)),
        ("(8,3)", (8, 3)),
        ("(  8  ,  3  )", (8, 3)),
        ("\t[8,\n 3]\n", (8, 3)),
        ("(8, 3,)", (8, 3)),
        ("(2, 3, 5)", (2, 3, 5)),
        ("2x3x5", (2, 3, 5)),
        ("(8,)", (8,)),
        ("[8]", (8,)),
        ("8", (8,)),
        ("8,", (8,)),
        ("torch.Size([8])", (8,)),
        ("()", ()),
        ("[]", ()),
        ("( )", ()),
        ("torch.Size([])", ()),
        ("torch.Size()", ()),
        ("(0, 3)", (0, 3)),
        ("(1024, 50257)", (1024, 50257)),
    ],
)
def test_parses(text: str, shape: tuple[int, ...]) -> None:
    assert parse_shape(text) == shape


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(3, 4", "'(3, 4' is missing its closing ')'. Write it like (8, 3)."),
        ("[3, 4", "'[3, 4' is missing its closing ']'. Write it like (8, 3)."),
        ("[3, 4)", "'[3, 4)' is missing its closing ']'. Write it like (8, 3)."),
        ("3, 4)", "'3, 4)' has a closing bracket but no opening one."),
        (
            "torch.Size([3, 4]",
            "'torch.Size([3, 4]' is missing its closing ')'. Write it like torch.Size([8, 3]).",
        ),
        ("", "Write a shape such as (8, 3)."),
        ("   ", "Write a shape such as (8, 3)."),
        ("(a, b)", "'(a, b)' is not a shape: 'a' is not a whole number. Write it like (8, 3)."),
        (
            "(3.5, 2)",
            "'(3.5, 2)' is not a shape: '3.5' is not a whole number. Write it like (8, 3).",
        ),
        ("(-1, 2)", "'(-1, 2)' is not a shape: '-1' is not a whole number. Write it like (8, 3)."),
        ("(8,, 3)", "'(8,, 3)' is not a shape: a number is missing. Write it like (8, 3)."),
        ("(,)", "'(,)' is not a shape: a number is missing. Write it like (8, 3)."),
        ("8x", "'8x' is not a shape: a number is missing. Write it like (8, 3)."),
        ("8²", "'8²' is not a shape: '8²' is not a whole number. Write it like (8, 3)."),
        (
            "batch, 3",
            "'batch, 3' is not a shape: 'batch' is not a whole number. Write it like (8, 3).",
        ),
    ],
)
def test_refuses_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ShapeSyntaxError) as refused:
        parse_shape(text)
    assert str(refused.value) == message


@pytest.mark.parametrize("text", ["٣", "8²", "½", "1e3", "None", "(((3)))", "[[3], [4]]"])
def test_odd_text_is_refused_as_not_a_shape_never_with_another_error(text: str) -> None:
    # Callers catch ShapeSyntaxError only; "²" passes str.isdigit() but not int().
    with pytest.raises(ShapeSyntaxError):
        parse_shape(text)


@pytest.mark.parametrize(
    ("shape", "text"),
    [((8, 3), "(8, 3)"), ((8,), "(8,)"), ((), "()"), ((2, 3, 5), "(2, 3, 5)")],
)
def test_format_shape_round_trips(shape: tuple[int, ...], text: str) -> None:
    assert format_shape(shape) == text
    assert parse_shape(text) == shape


def test_compare_shapes_marks_each_dimension() -> None:
    feedback = compare_shapes((2, 5, 5), (2, 3, 5))

    assert feedback.matches == (True, False, True)
    assert feedback.rank_matches


def test_compare_shapes_with_a_different_rank() -> None:
    feedback = compare_shapes((2, 3, 5, 1), (2, 3, 5))

    assert feedback.matches == (True, True, True, False)
    assert not feedback.rank_matches


# Bounds (issue 11, point 8): an answer is short, each dimension fits in 31 bits.


def test_the_largest_accepted_shape_parses() -> None:
    widest = "(" + ", ".join(["2147483647"] * MAX_DIMENSIONS) + ")"
    assert len(widest) <= MAX_SHAPE_CHARS
    assert parse_shape(widest) == (2**31 - 1,) * MAX_DIMENSIONS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "(" + "9" * 5000 + ",)",
            f"An answer is at most {MAX_SHAPE_CHARS} characters. Write a shape such as (8, 3).",
        ),
        (
            "(2147483648, 3)",
            "'(2147483648, 3)' is not a shape: 2147483648 is too large; each dimension "
            "is a whole number below 2147483648.",
        ),
        (
            "(99999999999999999999, 3)",
            "'(99999999999999999999, 3)' is not a shape: 9999999999… is too large; each "
            "dimension is a whole number below 2147483648.",
        ),
        (
            "(" + ", ".join(["1"] * (MAX_DIMENSIONS + 1)) + ")",
            f"A shape has at most {MAX_DIMENSIONS} dimensions; this one has {MAX_DIMENSIONS + 1}.",
        ),
    ],
    ids=["5000-digits", "2**31", "20-digits", "too-many-dimensions"],
)
def test_refuses_what_is_out_of_bounds(text: str, message: str) -> None:
    with pytest.raises(ShapeSyntaxError) as refused:
        parse_shape(text)
    assert str(refused.value) == message
