"""Progress rules: a set's level, the learner's level, what to take next, cards due today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from app.domain.challenge import Level
from app.domain.progress import (
    SetStanding,
    SuggestionKind,
    by_topic,
    count_due,
    end_of_day,
    learner_level,
    suggest_next,
)

B, MID, A, E = Level.BEGINNER, Level.INTERMEDIATE, Level.ADVANCED, Level.EXPERT


def standing(
    slug: str, topic: str, level: Level, *, held: bool = False, tried: bool = False
) -> SetStanding:
    return SetStanding(slug, slug.title(), topic, level, badge_held=held, attempted=tried or held)


def test_the_learners_level_is_the_highest_badge_held_in_the_topic() -> None:
    assert learner_level([standing("a", "T", A, tried=True), standing("b", "T", B)]) is B
    held = [standing("a", "T", B, held=True), standing("b", "T", A, held=True)]
    assert learner_level([*held, standing("c", "T", E)]) is A


def test_topics_list_badges_held_and_sets_left() -> None:
    topics = by_topic(
        [standing("z", "Tensors", MID), standing("y", "autograd", B, held=True),
         standing("x", "Tensors", B, held=True)]
    )  # fmt: skip
    assert [t.topic for t in topics] == ["autograd", "Tensors"]
    tensors = topics[1]
    assert [s.slug for s in tensors.held] == ["x"]
    assert [s.slug for s in tensors.left] == ["z"]
    assert tensors.level is B
    assert tensors.started


def test_suggests_an_untried_set_at_the_learners_level_in_a_started_topic() -> None:
    sets = [
        standing("t-beg", "Tensors", B, held=True),
        standing("t-beg-2", "Tensors", B, tried=True),
        standing("t-beg-3", "Tensors", B),
        standing("t-int", "Tensors", MID),
        standing("a-beg", "Autograd", B),
    ]
    found = suggest_next(sets)
    assert found.kind is SuggestionKind.AT_LEVEL
    assert found.standing is not None
    assert found.standing.slug == "t-beg-3"
    assert "Tensors" in found.reason
    assert "beginner" in found.reason


def test_a_tried_set_at_level_comes_before_another_level() -> None:
    sets = [
        standing("t-int", "Tensors", MID, held=True),
        standing("t-int-2", "Tensors", MID, tried=True),
        standing("t-adv", "Tensors", A),
    ]
    found = suggest_next(sets)
    assert found.standing is not None
    assert found.standing.slug == "t-int-2"


def test_then_the_next_level_up_before_levels_below() -> None:
    sets = [standing("t-int", "Tensors", MID, held=True), standing("t-beg", "Tensors", B),
            standing("t-exp", "Tensors", E), standing("t-adv", "Tensors", A)]  # fmt: skip
    found = suggest_next(sets)
    assert found.kind is SuggestionKind.IN_STARTED_TOPIC
    assert found.standing is not None
    assert found.standing.slug == "t-adv"


def test_falls_back_to_any_unearned_set_easiest_first() -> None:
    sets = [standing("t", "Tensors", B, held=True), standing("a-adv", "Autograd", A),
            standing("m-beg", "Modules", B)]  # fmt: skip
    found = suggest_next(sets)
    assert found.kind is SuggestionKind.ANY_UNEARNED
    assert found.standing is not None
    assert found.standing.slug == "m-beg"
    new_learner = suggest_next([standing("a-adv", "Autograd", A), standing("m-beg", "Modules", B)])
    assert new_learner.standing is not None
    assert new_learner.standing.slug == "m-beg"
    assert new_learner.reason.startswith("A place to start")


def test_says_so_when_every_badge_is_held_or_there_are_no_sets() -> None:
    done = suggest_next([standing("t", "Tensors", B, held=True)])
    assert done.kind is SuggestionKind.ALL_EARNED
    assert done.standing is None
    assert suggest_next([]).kind is SuggestionKind.NO_SETS


NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_today_ends_at_midnight_utc_whatever_the_clocks_zone() -> None:
    assert end_of_day(NOON) == datetime(2026, 3, 11, tzinfo=UTC)
    # 01:00 on the 11th at UTC+5 is still the 10th in UTC.
    early_east = datetime(2026, 3, 11, 1, 0, tzinfo=timezone(timedelta(hours=5)))
    assert end_of_day(early_east) == datetime(2026, 3, 11, tzinfo=UTC)


def test_due_counts_split_now_later_today_tomorrow_and_new() -> None:
    dates = [
        NOON - timedelta(days=2),  # overdue
        NOON,  # due this instant
        NOON + timedelta(hours=11, minutes=59),  # later today
        NOON + timedelta(hours=12),  # midnight: tomorrow
    ]
    count = count_due(dates, cards=6, now=NOON)
    assert (count.due_now, count.due_today, count.new) == (2, 3, 2)
    assert count.due_later_today == 1
    assert count.next_due == NOON + timedelta(hours=11, minutes=59)


def test_due_counts_move_with_the_clock() -> None:
    dates = [NOON + timedelta(days=1)]
    assert count_due(dates, cards=1, now=NOON).due_today == 0
    tomorrow = NOON + timedelta(days=1)
    later = count_due(dates, cards=1, now=tomorrow)
    assert (later.due_now, later.due_today, later.next_due) == (1, 1, None)
