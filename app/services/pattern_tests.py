"""'Test this pattern': a sitting of drawn questions, answered together, scored at the end."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from app.domain import pattern_tests
from app.domain.clock import Clock
from app.domain.errors import NotFound, ProblemOver
from app.domain.pattern_tests import TestQuestion
from app.persistence.patterns import PatternTestRecord, PatternTests
from app.persistence.sets import SetRepository
from app.persistence.unit_of_work import UnitOfWork
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
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    learner_id: int,
    slug: str,
    rng: random.Random | None = None,
) -> str:
    with UnitOfWork(sessions) as uow:
        set_id, _found, content = load_pattern(uow.session, slug)
        drawn = pattern_tests.draw(content, rng or random.SystemRandom())
        test_id = str(uuid.uuid4())
        PatternTests(uow.session).add(
            test_id=test_id,
            learner_id=learner_id,
            set_id=set_id,
            questions=[q.ref for q in drawn],
            started_at=clock(),
        )
        uow.commit()
        return test_id


def get_test(sessions: sessionmaker[Session], *, learner_id: int, test_id: str) -> PatternTestView:
    with UnitOfWork(sessions) as uow:
        return _view(uow.session, _own(PatternTests(uow.session), learner_id, test_id))


def submit_test(
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    learner_id: int,
    test_id: str,
    answers: Mapping[str, str],
) -> PatternTestView:
    with UnitOfWork(sessions) as uow:
        tests = PatternTests(uow.session)
        sitting = _own(tests, learner_id, test_id)
        if sitting.finished:
            raise ProblemOver("This test is already scored.")
        view = _view(uow.session, sitting)
        chosen = {
            q.ref.key(): _index(answers.get(q.ref.key()), len(q.options)) for q in view.questions
        }
        sitting = tests.finish(
            test_id,
            answers=chosen,
            score=pattern_tests.score(view.questions, chosen),
            finished_at=clock(),
        )
        view = _view(uow.session, sitting)
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


def _view(session: Session, sitting: PatternTestRecord) -> PatternTestView:
    challenge_set = SetRepository(session).heading(sitting.set_id)
    _set_id, _found, content = load_pattern(session, challenge_set.slug)
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
