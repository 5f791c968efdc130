"""What analytics counts per take: a problem as one learner saw it in one run.

Plain functions over `Take` values (built by app.services.analytics from what
persistence read): time used, finished runs' scores, option choices counted by their
text, wrong shapes normalised, and the success rates split by variant.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from app.domain import analytics
from app.domain.challenge import Problem
from app.domain.runs import Outcome
from app.domain.shapes import ShapeSyntaxError, format_shape, parse_shape


class Attempt(NamedTuple):
    number: int  # 1 for the first
    answer_text: str
    option_index: int | None  # the revision's authored index; None for a typed shape
    correct: bool


@dataclass
class Take:
    id: int
    run_id: str
    user_id: int
    problem_id: int
    problem: Problem  # the revision the learner saw
    outcome: Outcome
    hint_used: bool
    limit_seconds: float
    seconds_used: float | None
    variant: dict[str, Any] | None = None
    attempts: list[Attempt] = field(default_factory=list)  # in order

    @property
    def right_first(self) -> bool:
        return bool(self.attempts) and self.attempts[0].correct


@dataclass(frozen=True)
class OptionStat:
    text: str
    correct: bool
    first_choice: int  # takes whose first attempt picked it: the classic distractor count
    chosen: int  # every attempt that picked it
    current: bool  # False: the option exists only in an earlier revision


@dataclass(frozen=True)
class ShapeCount:
    shape: str
    count: int


class SuccessRates:
    """Right at the first try and in the end, as shares of the ended takes."""

    takes: int
    right_first: int
    right_final: int

    @property
    def first_try_rate(self) -> float | None:
        return analytics.rate(self.right_first, self.takes)

    @property
    def final_rate(self) -> float | None:
        return analytics.rate(self.right_final, self.takes)


@dataclass(frozen=True)
class VariantStat(SuccessRates):
    """How one variant of a problem with params went: the same rates, split by values."""

    label: str
    takes: int
    right_first: int
    right_final: int


def seconds_used(
    outcome: Outcome, viewed: datetime, deadline: datetime | None, finished: datetime | None
) -> float | None:
    """From first view to the end; an answer in the grace period counts as the full limit."""
    if not outcome.is_over:
        return None
    end = deadline if outcome is Outcome.TIMED_OUT else finished
    if end is None:
        return None
    if deadline is not None:
        end = min(end, deadline)
    return max(0.0, (end - viewed).total_seconds())


def finished_scores(takes: Iterable[Take], finished: set[str]) -> dict[str, dict[int, bool]]:
    """For each finished run: problem id -> right in the end."""
    scores: defaultdict[str, dict[int, bool]] = defaultdict(dict)
    for take in takes:
        if take.run_id in finished:
            scores[take.run_id][take.problem_id] = take.outcome is Outcome.CORRECT
    return dict(scores)


def item_and_rest(
    problem_id: int, scores: dict[str, dict[int, bool]]
) -> tuple[list[bool], list[float]]:
    """Per finished run with the problem: right on it, and how many others were right
    (the two sides of its discrimination, app.domain.analytics.point_biserial)."""
    item, rest = [], []
    for correct in scores.values():
        if problem_id in correct:
            item.append(correct[problem_id])
            rest.append(float(sum(correct.values()) - correct[problem_id]))
    return item, rest


def variant_stats(current: Problem, ended: Sequence[Take]) -> tuple[VariantStat, ...]:
    """Per variant of the current params (takes of values no longer offered are left out)."""
    stats = []
    for variant in current.variants:
        values = variant.as_dict()
        mine = [take for take in ended if take.variant == values]
        stats.append(
            VariantStat(
                label=variant.label,
                takes=len(mine),
                right_first=sum(1 for take in mine if take.right_first),
                right_final=sum(1 for take in mine if take.outcome is Outcome.CORRECT),
            )
        )
    return tuple(stats)


def option_stats(current: Problem, takes: Iterable[Take]) -> tuple[OptionStat, ...]:
    """Choices counted by option text; attempts store the revision's authored index."""
    first: Counter[str] = Counter()
    chosen: Counter[str] = Counter()
    seen: dict[str, bool] = {}
    for take in takes:
        options = take.problem.options
        for attempt in take.attempts:
            index = attempt.option_index
            if index is None or not 0 <= index < len(options):
                continue
            option = options[index]
            seen.setdefault(option.text, option.correct)
            chosen[option.text] += 1
            if attempt.number == 1:
                first[option.text] += 1
    stats = [
        OptionStat(option.text, option.correct, first[option.text], chosen[option.text], True)
        for option in current.options
    ]
    current_texts = {option.text for option in current.options}
    stats.extend(
        OptionStat(text, was_correct, first[text], chosen[text], False)
        for text, was_correct in seen.items()
        if text not in current_texts
    )
    return tuple(stats)


def wrong_shapes(takes: Iterable[Take]) -> Counter[str]:
    """Typed wrong answers, normalised, with the values they were wrong for."""
    counts: Counter[str] = Counter()
    for take in takes:
        for attempt in take.attempts:
            if attempt.option_index is None and not attempt.correct:
                # A wrong shape means something only next to the values it was wrong for.
                where = take.variant and ", ".join(f"{k}={v}" for k, v in take.variant.items())
                counts[normalised(attempt.answer_text) + (f" (for {where})" if where else "")] += 1
    return counts


def normalised(text: str) -> str:
    """`[2,3]`, `2x3` and `torch.Size([2, 3])` are one wrong answer: (2, 3)."""
    try:
        return format_shape(parse_shape(text))
    except ShapeSyntaxError:
        return text.strip()
