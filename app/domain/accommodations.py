"""Extra time as an accommodation: a multiplier on every time limit, read from what admins type.

"1.5", "1.5x", "1.5×" and "150%" all mean half as much time again. Less than the
normal time is not an accommodation, and more than four times the limit turns a
timed challenge into an untimed one, which the set's badge does not claim.
"""

from __future__ import annotations

import math
import re

from app.domain.errors import InvalidInput

MIN_MULTIPLIER = 1.0
MAX_MULTIPLIER = 4.0
_TEXT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([x×%]?)\s*$", re.IGNORECASE)


def parse_multiplier(text: str) -> float:
    match = _TEXT.match(text)
    if match is None:
        raise InvalidInput(f"{text.strip()!r} is not a multiplier; write it like 1.5 or 150%.")
    value = float(match.group(1).replace(",", "."))
    if match.group(2) == "%":
        value /= 100
    return checked_multiplier(value)


def checked_multiplier(value: float) -> float:
    if not math.isfinite(value) or not MIN_MULTIPLIER <= value <= MAX_MULTIPLIER:
        raise InvalidInput(
            f"A time multiplier is between {MIN_MULTIPLIER:g}× and {MAX_MULTIPLIER:g}×."
        )
    return round(value, 2)


def describe(multiplier: float) -> str:
    """1.5 -> "1.5× time"; 1.0 -> "standard time"."""
    return "standard time" if multiplier == 1.0 else f"{multiplier:g}× time"
