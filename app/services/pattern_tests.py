"""'Test this pattern': a sitting of drawn questions, answered together, scored at the end."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from app.domain import pattern_tests
from app.domain.clock import Clock
from app.domain.errors import NotFound, ProblemOver
from app.domain.pattern_tests import TestQuestion
from app.persistence.patterns import PatternTestRecord, PatternTests
from app.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services.patterns import load_pattern


@dataclass(frozen=True)
class PatternTestView:
    id: str
    slug: str
    title: str
    questions: tuple[TestQuestion, ...]
    answers: Mapping[str, int | None]
    finished: bool
    score: int | None


def start_test(
    units: UnitOfWorkFactory,
    clock: Clock,
    learner_id: int,
    *,
    slug: str,
    rng: random.Random | None = None,
) -> str:
    with units() as uow:
        set_id, _found, content = load_pattern(uow, slug)
        drawn = pattern_tests.draw(content, rng or random.SystemRandom())
        test_id = str(uuid.uuid4())
        uow.pattern_tests.add(
            test_id=test_id,
            learner_id=learner_id,
            set_id=set_id,
            questions=[q.ref for q in drawn],
            started_at=clock(),
        )
        uow.commit()
        return test_id


def get_test(units: UnitOfWorkFactory, learner_id: int, *, test_id: str) -> PatternTestView:
    with units() as uow:
        return _view(uow, _own(uow.pattern_tests, learner_id, test_id))


def submit_test(
    units: UnitOfWorkFactory,
    clock: Clock,
    learner_id: int,
    *,
    test_id: str,
    answers: Mapping[str, str],
) -> PatternTestView:
    with units() as uow:
        tests = uow.pattern_tests
        sitting = _own(tests, learner_id, test_id)
        if sitting.finished:
            raise ProblemOver("This test is already scored.")
        view = _view(uow, sitting)
        chosen = {
            q.ref.key(): _index(answers.get(q.ref.key()), len(q.options)) for q in view.questions
        }
        sitting = tests.finish(
            test_id,
            answers=chosen,
            score=pattern_tests.score(view.questions, chosen),
            finished_at=clock(),
        )
        view = _view(uow, sitting)
        uow.commit()
        return view


def _index(raw: str | None, count: int) -> int | None:
    if raw is None or not raw.strip().isdigit() or not 0 <= int(raw) < count:
        return None  # unanswered counts as wrong
    return int(raw)


def _own(tests: PatternTests, learner_id: int, test_id: str) -> PatternTestRecord:
    sitting = tests.find(test_id)
    if sitting is None or sitting.user_id != learner_id:
        raise NotFound("There is no such test in your history.")
    return sitting


def _view(uow: UnitOfWork, sitting: PatternTestRecord) -> PatternTestView:
    challenge_set = uow.set_content.heading(sitting.set_id)
    _set_id, _found, content = load_pattern(uow, challenge_set.slug)
    found = (pattern_tests.find(content, ref) for ref in sitting.questions)
    return PatternTestView(
        id=sitting.id,
        slug=challenge_set.slug,
        title=challenge_set.title,
        questions=tuple(q for q in found if q),
        answers=dict(sitting.answers),
        finished=sitting.finished,
        score=sitting.score,
    )
