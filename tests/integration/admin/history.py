"""Runs, attempts and awards written straight into the database, with times to the second.

Analytics tests need histories with known numbers; driving the learner services for
each would test them again and hide the numbers in clock moves. A `Take` says what a
learner did on one problem; `History.run` lays the takes end to end from a start.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from app.domain.runs import Outcome, earns_badge
from app.domain.shapes import parse_shape
from app.persistence.codec import problem_from_json
from app.persistence.database import Database
from app.persistence.sets import SetRepository
from app.persistence.tables import AttemptRow, AwardRow, RunProblemRow, RunRow, User
from tests.conftest import unit_of


@dataclass(frozen=True)
class Take:
    """Answers in order (an authored option index, or shape text), then what ended it."""

    answers: tuple[int | str, ...] = ()
    seconds: float = 30  # from first view to the last answer
    hint: bool = False
    timeout: bool = False  # the clock ran out after the answers; otherwise, if no answer
    # ended it, the problem is still on the clock


class History:
    def __init__(self, sessions: sessionmaker[Session], start: datetime) -> None:
        self.sessions = sessions
        self.units = Database(sessions.kw["bind"]).units
        self.start = start

    def learner(self, name: str, *, admin: bool = False, multiplier: float = 1.0) -> int:
        with unit_of(self.sessions) as uow:
            user = User(
                username=name,
                password_hash="x",
                is_admin=admin,
                time_multiplier=multiplier,
                created_at=self.start,
            )
            uow.session.add(user)
            uow.commit()
            return user.id

    def run(
        self,
        user_id: int,
        slug: str,
        takes: list[Take | None],
        *,
        at: datetime | None = None,
        multiplier: float = 1.0,
    ) -> str:
        """One run; `None` for a problem never opened. Finishes and awards like the app."""
        started = at or self.start
        with unit_of(self.sessions) as uow:
            session = uow.session
            repo = SetRepository(session)
            row = repo.row_by_slug(slug)
            assert row is not None
            run = RunRow(
                id=str(uuid.uuid4()),
                user_id=user_id,
                set_id=row.id,
                time_multiplier=multiplier,
                started_at=started,
            )
            session.add(run)
            session.flush()
            cursor = started
            outcomes = []
            for position, (revision, take) in enumerate(
                zip(repo.current_revisions(row), takes, strict=True), start=1
            ):
                problem = problem_from_json(revision.content)
                limit = problem.time_limit_seconds * multiplier
                rp = RunProblemRow(
                    run_id=run.id,
                    position=position,
                    revision_id=revision.id,
                    option_order=None,
                    time_limit_seconds=limit,
                    max_attempts=problem.max_attempts,
                    attempts_used=0,
                    outcome=Outcome.PENDING.value,
                )
                session.add(rp)
                session.flush()
                if take is None:
                    outcomes.append(Outcome.PENDING)
                    continue
                rp.first_viewed_at = cursor
                rp.deadline = cursor + timedelta(seconds=limit)
                outcome = Outcome.PENDING
                for number, answer in enumerate(take.answers, start=1):
                    if isinstance(answer, int):
                        correct = answer == problem.correct_index
                        text, index = problem.options[answer].text, answer
                    else:
                        assert problem.answer is not None
                        assert problem.answer.expected
                        correct = parse_shape(answer) == problem.answer.expected
                        text, index = answer, None
                    moment = cursor + timedelta(seconds=take.seconds * number / len(take.answers))
                    session.add(
                        AttemptRow(
                            run_problem_id=rp.id,
                            number=number,
                            submitted_at=moment,
                            answer_text=text,
                            option_index=index,
                            correct=correct,
                        )
                    )
                    rp.attempts_used = number
                    if correct:
                        outcome = Outcome.CORRECT
                    elif number >= problem.max_attempts:
                        outcome = Outcome.INCORRECT
                if take.hint:
                    rp.hint_used_at = cursor + timedelta(seconds=1)
                if outcome is Outcome.PENDING and take.timeout:
                    outcome = Outcome.TIMED_OUT
                end = (
                    rp.deadline
                    if outcome is Outcome.TIMED_OUT
                    else (cursor + timedelta(seconds=take.seconds))
                )
                if outcome.is_over:
                    rp.outcome = outcome.value
                    rp.finished_at = end
                outcomes.append(outcome)
                cursor = end
            if all(outcome.is_over for outcome in outcomes):
                run.finished_at = cursor
                if earns_badge(outcomes) and row.badge_name:
                    held = session.query(AwardRow).filter_by(user_id=user_id, set_id=row.id).first()
                    if held is None:
                        run.badge_awarded = True
                        session.add(
                            AwardRow(
                                id=str(uuid.uuid4()),
                                user_id=user_id,
                                set_id=row.id,
                                run_id=run.id,
                                badge_name=row.badge_name,
                                badge_description=row.badge_description or "",
                                awarded_at=cursor,
                            )
                        )
            uow.commit()
            return run.id
