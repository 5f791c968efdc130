"""Reading a catalog query from a URL's values, and a set's level."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.domain.catalog import (
    MAX_SEARCH_CHARS,
    CatalogQuery,
    Sort,
    level_of,
    level_rank,
    read_query,
)
from app.domain.challenge import Difficulty, Flashcard, Level, PatternContent
from app.domain.errors import InvalidInput
from tests import builders


def test_empty_values_mean_any() -> None:
    query = read_query(topic="", level="", q="   ", sort="")
    assert query == CatalogQuery()
    assert not query.filtered
    assert query.sort is Sort.TITLE


def test_values_are_read_and_words_lowered_once_each() -> None:
    query = read_query(topic=" CNNs ", level="Advanced", q="Hidden  STATE hidden", sort="newest")
    assert query.topic == "CNNs"
    assert query.level is Level.ADVANCED
    assert query.text == "Hidden STATE hidden"
    assert query.words == ("hidden", "state")
    assert query.sort is Sort.NEWEST
    assert query.filtered


def test_control_characters_are_spaces() -> None:
    assert read_query(q="conv\x00\tstride\x1b").words == ("conv", "stride")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"level": "wizard"}, "Unknown level; use one of: beginner, intermediate"),
        ({"sort": "random"}, "Unknown sort; use one of: title, level, newest, not-earned"),
        ({"q": "x" * 10_000}, f"at most {MAX_SEARCH_CHARS} characters"),
        ({"q": "a b c d e f g h i"}, "at most 8 words"),
        ({"topic": "t" * 65}, "at most 64 characters"),
    ],
)
def test_bad_values_say_what_is_accepted(values: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_query(**values)


def test_a_challenge_takes_its_most_common_level() -> None:
    problems = [
        replace(builders.choice(str(i), 0), level=level)
        for i, level in enumerate([Level.BEGINNER, Level.ADVANCED, Level.ADVANCED, Level.EXPERT])
    ]
    assert level_of(builders.challenge(problems=tuple(problems))) is Level.ADVANCED


def test_a_tie_goes_to_the_higher_level() -> None:
    problems = [
        replace(builders.choice(str(i), 0), level=level)
        for i, level in enumerate([Level.INTERMEDIATE, Level.BEGINNER])
    ]
    assert level_of(builders.challenge(problems=tuple(problems))) is Level.INTERMEDIATE


def test_a_pattern_takes_its_flashcards_level_else_its_quiz_and_practice() -> None:
    pattern = builders.pattern()
    assert pattern.pattern is not None
    # builders.pattern: one beginner and one intermediate flashcard: the tie goes up.
    assert level_of(pattern) is Level.INTERMEDIATE
    three_beginner = replace(pattern.pattern, flashcards=(Flashcard(Level.BEGINNER, "a", "b"),) * 3)
    assert level_of(replace(pattern, pattern=three_beginner)) is Level.BEGINNER
    # No flashcards: quiz easy x3, medium x2, hard x1, practice easy, medium, hard.
    without_cards = replace(pattern.pattern, flashcards=())
    assert level_of(replace(pattern, pattern=without_cards)) is Level.BEGINNER
    hard_only = PatternContent(
        quiz=tuple(replace(q, level=Difficulty.HARD) for q in pattern.pattern.quiz)
    )
    assert level_of(replace(pattern, pattern=hard_only)) is Level.ADVANCED


def test_an_empty_set_has_no_level_and_sorts_last() -> None:
    assert level_of(builders.challenge(problems=())) is None
    assert level_rank(None) > level_rank(Level.EXPERT) > level_rank(Level.BEGINNER)
