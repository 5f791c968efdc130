"""Reading time multipliers the way admins type them."""

from __future__ import annotations

import pytest

from app.domain.accommodations import describe, parse_multiplier
from app.domain.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.5", 1.5), ("1,5", 1.5), ("1.5x", 1.5), (" 2 × ", 2.0), ("150%", 1.5), ("1", 1.0)],
)
def test_accepted(text: str, value: float) -> None:
    assert parse_multiplier(text) == value


@pytest.mark.parametrize("text", ["", "fast", "0.5", "4.5", "-2", "1.5.1", "nan"])
def test_refused_with_a_plain_message(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_multiplier(text)


def test_describe() -> None:
    assert describe(1.0) == "standard time"
    assert describe(1.5) == "1.5× time"
