"""Pattern services: flashcard scheduling, checked answers, explain scoring, pattern tests."""

from __future__ import annotations

import random

import pytest

from app.domain.errors import AnswerNotUnderstood, NotFound, ProblemOver
from app.domain.flashcards import Rating
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import flashcards, pattern_tests, patterns


def test_rating_a_card_schedules_it(units: UnitOfWorkFactory, loaded, clock, learner) -> None:
    page = patterns.pattern_page(units, clock=clock, slug="seq-pattern", learner_id=learner.id)
    assert page.due_count == 2
    reviewed = flashcards.rate_card(
        units, clock=clock, learner_id=learner.id, slug="seq-pattern", index=0, rating=Rating.GOOD
    )
    assert reviewed.comes_back.startswith("in ")
    page = patterns.pattern_page(units, clock=clock, slug="seq-pattern", learner_id=learner.id)
    assert page.due_count == 1
    assert not page.cards[0].is_due
    clock.advance(30 * 24 * 3600)
    again = patterns.pattern_page(units, clock=clock, slug="seq-pattern", learner_id=learner.id)
    assert again.cards[0].is_due


def test_rating_a_missing_card_is_not_found(
    units: UnitOfWorkFactory, loaded, clock, learner
) -> None:
    with pytest.raises(NotFound):
        flashcards.rate_card(
            units,
            clock=clock,
            learner_id=learner.id,
            slug="seq-pattern",
            index=9,
            rating=Rating.EASY,
        )


def test_quiz_and_practice_answers_are_checked(units: UnitOfWorkFactory, loaded) -> None:
    quiz = patterns.quiz_item(units, slug="seq-pattern", index=0)
    practice = patterns.practice_step(units, slug="seq-pattern", number=1).item
    assert patterns.judge_choice(quiz, 0, "0").correct
    assert not patterns.judge_choice(practice, 0, "0").correct
    with pytest.raises(AnswerNotUnderstood):
        patterns.judge_choice(quiz, 0, "7")


def test_explain_is_scored_by_concept(units: UnitOfWorkFactory, loaded) -> None:
    prompt = patterns.explain_item(units, slug="seq-pattern", index=0)
    score = patterns.judge_explanation(prompt, "The gates help it remember earlier tokens.")
    assert score.summary == "You got 2/3 concepts."
    with pytest.raises(AnswerNotUnderstood):
        patterns.judge_explanation(prompt, "   ")


def test_a_pattern_test_is_drawn_answered_and_scored_once(
    units: UnitOfWorkFactory, loaded, clock, learner
) -> None:
    test_id = pattern_tests.start_test(
        units, clock=clock, learner_id=learner.id, slug="seq-pattern", rng=random.Random(4)
    )
    view = pattern_tests.get_test(units, learner_id=learner.id, test_id=test_id)
    assert len(view.questions) == 5
    assert not view.finished
    answers = {q.ref.key(): str(q.correct_index) for q in view.questions[:3]}
    scored = pattern_tests.submit_test(
        units, clock=clock, learner_id=learner.id, test_id=test_id, answers=answers
    )
    assert scored.finished
    assert scored.score == 3
    with pytest.raises(ProblemOver):
        pattern_tests.submit_test(
            units, clock=clock, learner_id=learner.id, test_id=test_id, answers=answers
        )


def test_someone_elses_test_is_not_found(units: UnitOfWorkFactory, loaded, clock, learner) -> None:
    test_id = pattern_tests.start_test(
        units, clock=clock, learner_id=learner.id, slug="seq-pattern"
    )
    with pytest.raises(NotFound):
        pattern_tests.get_test(units, learner_id=learner.id + 1, test_id=test_id)
