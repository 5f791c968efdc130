"""Per-take statistics of analytics (app.domain.takes), worked by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.challenge import Option, Problem
from app.domain.runs import Outcome
from app.domain.takes import (
    Attempt,
    OptionStat,
    Take,
    finished_scores,
    item_and_rest,
    option_stats,
    seconds_used,
    variant_stats,
    wrong_shapes,
)
from tests import builders

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def take(
    run_id: str,
    problem_id: int,
    outcome: Outcome,
    *attempts: Attempt,
    problem: Problem | None = None,
    variant: dict[str, Any] | None = None,
) -> Take:
    return Take(
        id=problem_id,
        run_id=run_id,
        user_id=1,
        problem_id=problem_id,
        problem=problem or builders.choice("q", 1),
        outcome=outcome,
        hint_used=False,
        limit_seconds=60,
        seconds_used=None,
        variant=variant,
        attempts=list(attempts),
    )


def test_time_used_stops_at_the_deadline_and_a_pending_take_has_none() -> None:
    deadline = T0 + timedelta(seconds=60)
    answered = T0 + timedelta(seconds=20)
    assert seconds_used(Outcome.CORRECT, T0, deadline, answered) == 20.0
    in_grace = deadline + timedelta(seconds=1)
    assert seconds_used(Outcome.INCORRECT, T0, deadline, in_grace) == 60.0
    assert seconds_used(Outcome.TIMED_OUT, T0, deadline, None) == 60.0
    assert seconds_used(Outcome.PENDING, T0, deadline, None) is None


def test_scores_of_finished_runs_feed_each_problems_item_and_rest() -> None:
    takes = [
        take("a", 1, Outcome.CORRECT),
        take("a", 2, Outcome.INCORRECT),
        take("a", 3, Outcome.CORRECT),
        take("b", 1, Outcome.TIMED_OUT),
        take("b", 2, Outcome.CORRECT),
        take("open", 1, Outcome.CORRECT),
    ]
    scores = finished_scores(takes, {"a", "b"})
    assert scores == {"a": {1: True, 2: False, 3: True}, "b": {1: False, 2: True}}
    assert item_and_rest(1, scores) == ([True, False], [1.0, 1.0])
    assert item_and_rest(3, scores) == ([True], [1.0])


def test_options_are_counted_by_text_and_first_choices_once_per_take() -> None:
    current = builders.choice("q", 1)
    earlier = replace(current, options=(Option("Old wrong"), *current.options[1:]))
    takes = [
        take("a", 1, Outcome.CORRECT, Attempt(1, "", 0, False), Attempt(2, "", 1, True)),
        take("b", 1, Outcome.CORRECT, Attempt(1, "", 1, True)),
        take("c", 1, Outcome.INCORRECT, Attempt(1, "", 0, False), problem=earlier),
        take("d", 1, Outcome.INCORRECT, Attempt(1, "", 9, False)),  # out of range: skipped
    ]
    stats = {stat.text: stat for stat in option_stats(current, takes)}
    assert stats["Alpha answer"] == OptionStat("Alpha answer", False, 1, 1, True)
    assert stats["Bravo answer"] == OptionStat("Bravo answer", True, 1, 2, True)
    assert stats["Old wrong"] == OptionStat("Old wrong", False, 1, 1, False)
    assert stats["Delta answer"].chosen == 0


def test_wrong_shapes_are_normalised_and_named_with_their_values() -> None:
    takes = [
        take("a", 1, Outcome.INCORRECT, Attempt(1, "[2,3]", None, False)),
        take("b", 1, Outcome.INCORRECT, Attempt(1, "torch.Size([2, 3])", None, False)),
        take("c", 1, Outcome.CORRECT, Attempt(1, "(4, 5)", None, True)),
        take("d", 1, Outcome.INCORRECT, Attempt(1, "2x3", None, False), variant={"b": 2}),
        take("e", 1, Outcome.INCORRECT, Attempt(1, " nonsense ", None, False)),
    ]
    assert wrong_shapes(takes) == {"(2, 3)": 2, "(2, 3) (for b=2)": 1, "nonsense": 1}


def test_success_rates_split_by_the_variant_each_take_drew() -> None:
    problem = builders.variant_problem()
    first, second = problem.variants[0], problem.variants[1]
    ended = [
        take("a", 1, Outcome.CORRECT, Attempt(1, "", None, True), variant=first.as_dict()),
        take("b", 1, Outcome.CORRECT, Attempt(1, "", None, False), variant=first.as_dict()),
        take("c", 1, Outcome.INCORRECT, variant=second.as_dict()),
        take("d", 1, Outcome.CORRECT, variant={"gone": 1}),  # values no longer offered
    ]
    stats = {stat.label: stat for stat in variant_stats(problem, ended)}
    assert (stats[first.label].takes, stats[first.label].right_first) == (2, 1)
    assert stats[first.label].final_rate == 1.0
    assert (stats[second.label].takes, stats[second.label].right_final) == (1, 0)
    assert sum(stat.takes for stat in stats.values()) == 3
