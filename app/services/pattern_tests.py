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
from app.domain.pattern_tests import QuestionRef, TestQuestion
from app.persistence.tables import PatternTestRow
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
        row = PatternTestRow(
            id=str(uuid.uuid4()),
            user_id=learner_id,
            set_id=set_id,
            questions=[{"source": q.ref.source, "index": q.ref.index} for q in drawn],
            answers={},
            started_at=clock(),
        )
        uow.session.add(row)
        uow.commit()
        return row.id


def get_test(sessions: sessionmaker[Session], *, learner_id: int, test_id: str) -> PatternTestView:
    with UnitOfWork(sessions) as uow:
        return _view(uow.session, _own(uow.session, learner_id, test_id))


def submit_test(
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    learner_id: int,
    test_id: str,
    answers: Mapping[str, str],
) -> PatternTestView:
    with UnitOfWork(sessions) as uow:
        row = _own(uow.session, learner_id, test_id)
        if row.finished_at is not None:
            raise ProblemOver("This test is already scored.")
        view = _view(uow.session, row)
        chosen = {
            q.ref.key(): _index(answers.get(q.ref.key()), len(q.options)) for q in view.questions
        }
        row.answers = chosen
        row.score = pattern_tests.score(view.questions, chosen)
        row.finished_at = clock()
        view = _view(uow.session, row)
        uow.commit()
        return view


def _index(raw: str | None, count: int) -> int | None:
    if raw is None or not raw.strip().isdigit() or not 0 <= int(raw) < count:
        return None  # unanswered counts as wrong
    return int(raw)


def _own(session: Session, learner_id: int, test_id: str) -> PatternTestRow:
    row = session.get(PatternTestRow, test_id)
    if row is None or row.user_id != learner_id:
        raise NotFound("There is no such test in your history.")
    return row


def _view(session: Session, row: PatternTestRow) -> PatternTestView:
    from app.persistence.tables import ChallengeSetRow

    challenge_set = session.get_one(ChallengeSetRow, row.set_id)
    _set_id, _found, content = load_pattern(session, challenge_set.slug)
    refs = [QuestionRef(q["source"], q["index"]) for q in row.questions]
    questions = tuple(q for q in (pattern_tests.find(content, ref) for ref in refs) if q)
    return PatternTestView(
        id=row.id,
        slug=challenge_set.slug,
        title=challenge_set.title,
        questions=questions,
        answers=dict(row.answers),
        finished=row.finished_at is not None,
        score=row.score,
    )
