"""Item statistics of challenge sets: medians, rates, discrimination, and review flags.

Plain functions over numbers. Discrimination is the point-biserial correlation of a
problem's score (right in the end: 1 or 0) with the rest of the run (how many of the
run's *other* problems were right): the "corrected item-total" correlation. Leaving
the problem out of the total keeps it from correlating with itself, which on a set of
five problems would lift every value by a lot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum

# Below this, a problem barely separates learners who do well on the rest from those who
# do not (the usual rule of thumb in item analysis: < 0.2 "review", < 0 "broken").
LOW_DISCRIMINATION = 0.2


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide (shown as "–", never 0 %)."""
    return part / whole if whole else None


def point_biserial(item: Sequence[bool], rest: Sequence[float]) -> float | None:
    """Correlation of a right/wrong item with a score; None when either does not vary."""
    if len(item) != len(rest):
        raise ValueError("item and rest must have one value per run")
    count = len(item)
    right = [score for hit, score in zip(item, rest, strict=True) if hit]
    wrong = [score for hit, score in zip(item, rest, strict=True) if not hit]
    if not right or not wrong:
        return None
    mean = sum(rest) / count
    spread = math.sqrt(sum((score - mean) ** 2 for score in rest) / count)
    if spread == 0:
        return None
    p = len(right) / count
    gap = sum(right) / len(right) - sum(wrong) / len(wrong)
    return gap / spread * math.sqrt(p * (1 - p))


def histogram(scores: Sequence[int], top: int) -> tuple[int, ...]:
    """How many runs scored 0, 1, ..., top."""
    counts = [0] * (top + 1)
    for score in scores:
        counts[min(max(score, 0), top)] += 1
    return tuple(counts)


class Flag(StrEnum):
    LOW_DISCRIMINATION = "low_discrimination"
    NOBODY_RIGHT = "nobody_right"
    EVERYONE_RIGHT_FIRST_TRY = "everyone_right_first_try"

    @property
    def label(self) -> str:
        return _FLAG_TEXT[self][0]

    @property
    def advice(self) -> str:
        return _FLAG_TEXT[self][1]


_FLAG_TEXT = {
    Flag.LOW_DISCRIMINATION: (
        "Low discrimination",
        "Learners who do well on the rest of the set are not more likely to get this one "
        "right. Check the key, ambiguous wording, or a distractor that is also defensible.",
    ),
    Flag.NOBODY_RIGHT: (
        "Nobody right",
        "No learner got this right. Check the answer key and the time limit.",
    ),
    Flag.EVERYONE_RIGHT_FIRST_TRY: (
        "Everyone right at the first try",
        "Every learner got this right at once: it tells you nothing about who has "
        "mastered the topic. Consider harder distractors.",
    ),
}


def flags_for(
    *, takes: int, right_first: int, right_final: int, discrimination: float | None
) -> tuple[Flag, ...]:
    if takes == 0:
        return ()
    found = []
    if discrimination is not None and discrimination < LOW_DISCRIMINATION:
        found.append(Flag.LOW_DISCRIMINATION)
    if right_final == 0:
        found.append(Flag.NOBODY_RIGHT)
    if right_first == takes:
        found.append(Flag.EVERYONE_RIGHT_FIRST_TRY)
    return tuple(found)
