from __future__ import annotations

import random
from collections import Counter

from app.domain.challenge import Difficulty
from app.domain.pattern_tests import draw, question_pool, score
from tests.builders import pattern


def content():
    found = pattern().pattern
    assert found is not None
    return found


def test_draw_follows_the_mix() -> None:
    drawn = draw(content(), random.Random(1))
    assert len(drawn) == 5
    levels = Counter(q.level for q in drawn)
    assert levels == {Difficulty.EASY: 2, Difficulty.MEDIUM: 2, Difficulty.HARD: 1}
    assert [q.level for q in drawn] == sorted((q.level for q in drawn), key=list(Difficulty).index)
    assert len({q.ref for q in drawn}) == 5


def test_pool_has_quiz_and_practice() -> None:
    sources = {q.ref.source for q in question_pool(content())}
    assert sources == {"quiz", "practice"}


def test_score_counts_right_answers() -> None:
    drawn = draw(content(), random.Random(2))
    answers = {q.ref.key(): q.correct_index for q in drawn}
    assert score(drawn, answers) == 5
    answers[drawn[0].ref.key()] = None
    assert score(drawn, answers) == 4
