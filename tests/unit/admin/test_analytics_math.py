"""Item statistics: medians, rates, point-biserial against hand-worked values, flags."""

from __future__ import annotations

import math

import pytest

from app.domain.analytics import Flag, flags_for, histogram, median, point_biserial, rate


def test_median() -> None:
    assert median([]) is None
    assert median([3.0]) == 3.0
    assert median([5.0, 1.0, 3.0]) == 3.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_rate_has_no_value_without_a_denominator() -> None:
    assert rate(0, 0) is None
    assert rate(1, 4) == 0.25


def test_point_biserial_matches_pearson() -> None:
    item = [True, True, False, False, True]
    rest = [4.0, 3.0, 1.0, 2.0, 2.0]
    x = [1.0 if hit else 0.0 for hit in item]
    mx, my = sum(x) / len(x), sum(rest) / len(rest)
    cov = sum((a - mx) * (b - my) for a, b in zip(x, rest, strict=True))
    pearson = cov / math.sqrt(sum((a - mx) ** 2 for a in x) * sum((b - my) ** 2 for b in rest))
    assert point_biserial(item, rest) == pytest.approx(pearson)


def test_point_biserial_is_undefined_without_variation() -> None:
    assert point_biserial([True, True], [1.0, 2.0]) is None
    assert point_biserial([True, False], [1.0, 1.0]) is None
    assert point_biserial([], []) is None
    with pytest.raises(ValueError, match="one value per run"):
        point_biserial([True], [1.0, 2.0])


def test_histogram_clamps() -> None:
    assert histogram([0, 2, 2, 3, 9], 3) == (1, 0, 2, 2)


@pytest.mark.parametrize(
    ("takes", "first", "final", "r", "expected"),
    [
        (0, 0, 0, None, ()),
        (4, 1, 3, 0.5, ()),
        (4, 1, 3, 0.19, (Flag.LOW_DISCRIMINATION,)),
        (4, 0, 0, None, (Flag.NOBODY_RIGHT,)),
        (4, 4, 4, None, (Flag.EVERYONE_RIGHT_FIRST_TRY,)),
        (4, 1, 2, -0.3, (Flag.LOW_DISCRIMINATION,)),
    ],
)
def test_flags(
    takes: int, first: int, final: int, r: float | None, expected: tuple[Flag, ...]
) -> None:
    assert (
        flags_for(takes=takes, right_first=first, right_final=final, discrimination=r) == expected
    )


def test_every_flag_explains_itself() -> None:
    assert all(flag.label and flag.advice for flag in Flag)
