"""The progress service over a real database: badges by topic, cards due, the review queue."""

from __future__ import annotations

import random
from dataclasses import replace

from app.domain.challenge import Level
from app.domain.clock import FakeClock
from app.domain.flashcards import Rating
from app.domain.progress import SuggestionKind
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import accounts, flashcards, progress, runs
from app.services.accounts import Learner
from tests import builders
from tests.conftest import FAST_HASHER, PASSWORD, save_sets
from tests.integration.services.conftest import let_run_end

DAY = 24 * 3600


def _rate(units: UnitOfWorkFactory, clock: FakeClock, learner_id: int, index: int) -> None:
    flashcards.rate_card(
        units, clock=clock, learner_id=learner_id, slug="seq-pattern", index=index,
        rating=Rating.GOOD,
    )  # fmt: skip


def _earn(units: UnitOfWorkFactory, clock: FakeClock, learner_id: int, slug: str) -> None:
    """A run of the set, over, and its badge awarded (as a perfect run would)."""
    run = runs.start_run(units, clock=clock, learner_id=learner_id, slug=slug, rng=random.Random(1))
    let_run_end(units, clock, learner_id, run)
    with units() as uow:
        badge = uow.awards.run_badge(run.run_id)
        assert uow.awards.award_badge(run.run_id, badge, clock())
        uow.commit()


def test_a_new_learner_has_nothing_done_and_a_place_to_start(
    units: UnitOfWorkFactory, loaded, clock, learner
) -> None:
    found = progress.learner_progress(units, clock=clock, learner_id=learner.id)
    assert found.is_new
    assert [t.topic for t in found.topics] == ["NLP"]
    assert [s.slug for s in found.topics[0].left] == ["gru-test"]
    assert found.suggestion.kind is SuggestionKind.ANY_UNEARNED
    assert found.suggestion.standing is not None
    assert found.suggestion.standing.slug == "gru-test"
    [pattern] = found.patterns
    assert (pattern.slug, pattern.topic, pattern.due.cards, pattern.due.new) == (
        "seq-pattern", "General", 2, 2,
    )  # fmt: skip
    assert found.due_now == 0
    assert found.next_due is None


def test_badges_and_the_suggestion_follow_the_learner(
    units: UnitOfWorkFactory, loaded, clock, learner
) -> None:
    beginner = replace(builders.choice("b", 0), level=Level.BEGINNER)
    save_sets(
        loaded, clock,
        builders.challenge("nlp-easy", (beginner, replace(beginner, key="b2"))),
        builders.challenge("nlp-more", (builders.choice("m", 1),), title="More NLP"),
        replace(builders.challenge("vision", (beginner,), title="Vision"), topic="Vision"),
    )  # fmt: skip
    _earn(units, clock, learner.id, "nlp-easy")
    found = progress.learner_progress(units, clock=clock, learner_id=learner.id)
    nlp = next(t for t in found.topics if t.topic == "NLP")
    assert [s.slug for s in nlp.held] == ["nlp-easy"]
    assert {s.slug for s in nlp.left} == {"gru-test", "nlp-more"}
    assert nlp.level is Level.BEGINNER
    assert found.badges_held == 1
    assert not found.is_new
    # Nothing else at beginner in NLP: the nearest level up, untried first, then by title.
    assert found.suggestion.kind is SuggestionKind.IN_STARTED_TOPIC
    assert found.suggestion.standing is not None
    assert found.suggestion.standing.slug == "gru-test"
    # Another learner sees none of it.
    other = accounts.register(units, FAST_HASHER, clock=clock, username="bob", password=PASSWORD)
    theirs = progress.learner_progress(units, clock=clock, learner_id=other.id)
    assert theirs.badges_held == 0
    assert theirs.is_new


def test_cards_come_due_with_the_clock_and_the_queue_walks_them(
    units: UnitOfWorkFactory, loaded, clock, learner
) -> None:
    _rate(units, clock, learner.id, 0)
    _rate(units, clock, learner.id, 1)
    found = progress.learner_progress(units, clock=clock, learner_id=learner.id)
    assert (found.due_now, found.patterns[0].due.new) == (0, 0)
    assert found.next_due is not None
    assert found.next_due > clock()
    empty = progress.review_queue(units, clock=clock, learner_id=learner.id)
    assert empty.current is None
    assert empty.next_due == found.next_due
    assert empty.next_due_in is not None
    assert empty.next_due_in.startswith("in ")

    clock.advance(30 * DAY)
    found = progress.learner_progress(units, clock=clock, learner_id=learner.id)
    assert found.due_now == 2
    assert found.due_today == 2
    queue = progress.review_queue(units, clock=clock, learner_id=learner.id)
    assert [(c.slug, c.index) for c in queue.cards] == [("seq-pattern", 0), ("seq-pattern", 1)]
    assert queue.current is not None
    assert queue.current.card.front.startswith("What is")

    _rate(units, clock, learner.id, 0)
    queue = progress.review_queue(units, clock=clock, learner_id=learner.id)
    assert [c.index for c in queue.cards] == [1]
    other = accounts.register(units, FAST_HASHER, clock=clock, username="bob", password=PASSWORD)
    assert progress.review_queue(units, clock=clock, learner_id=other.id).cards == ()


def test_a_started_run_counts_as_attempted(
    units: UnitOfWorkFactory, loaded, clock, learner: Learner
) -> None:
    runs.start_run(units, clock=clock, learner_id=learner.id, slug="gru-test")
    found = progress.learner_progress(units, clock=clock, learner_id=learner.id)
    assert found.topics[0].left[0].attempted
    assert found.topics[0].started
    assert not found.is_new
