from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.flashcards import Rating, describe_interval, is_due, review

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_easier_ratings_come_back_later() -> None:
    dues = [review(None, rating, NOW).due for rating in Rating]
    assert dues == sorted(dues)
    assert dues[0] > NOW


def test_state_round_trips_and_schedules_further() -> None:
    first = review(None, Rating.GOOD, NOW)
    later = first.due + timedelta(minutes=1)
    second = review(first.state, Rating.GOOD, later)
    assert second.due - later > first.due - NOW


def test_due_and_interval_words() -> None:
    assert is_due(None, NOW)
    assert not is_due(NOW + timedelta(days=1), NOW)
    assert describe_interval(NOW + timedelta(minutes=10), NOW) == "in 10 minutes"
    assert describe_interval(NOW + timedelta(days=3), NOW) == "in 3 days"
    assert describe_interval(NOW + timedelta(seconds=5), NOW) == "in under a minute"
