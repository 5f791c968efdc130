"""Runs through the ORM: a new run with its problems, and a run read back for its summary.

Answering goes through app.persistence.run_problems (Core, guarded updates); this
module serves the calmer moments around it, starting a run and summing one up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.runs import Outcome
from app.persistence.tables import RunProblemRow, RunRow, User


@dataclass(frozen=True)
class RunRecord:
    id: str
    user_id: int
    set_id: int
    started_at: datetime
    finished: bool
    badge_awarded: bool


@dataclass(frozen=True)
class RunProblemRecord:
    """One problem of a run as taken: its revision, limits and how it went so far."""

    position: int
    revision_id: int
    content_hash: str
    time_limit_seconds: float
    max_attempts: int
    attempts_used: int
    hint_used: bool
    outcome: Outcome
    started: bool


class RunRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        # The session holds rows only weakly once flushed; a run added or found here
        # is kept, so reading it again in the same unit of work costs no query.
        self._kept: dict[str, RunRow] = {}

    # -- starting --------------------------------------------------------------

    def time_multiplier(self, learner_id: int) -> float:
        """The learner's accommodation, which a new run keeps."""
        return self._session.get_one(User, learner_id).time_multiplier

    def add(
        self,
        *,
        run_id: str,
        learner_id: int,
        set_id: int,
        time_multiplier: float,
        started_at: datetime,
    ) -> bool:
        """Write a new run; False when the learner's open run of the set is in the way
        (the unique index on unfinished runs: a concurrent start got there first)."""
        row = RunRow(
            id=run_id,
            user_id=learner_id,
            set_id=set_id,
            time_multiplier=time_multiplier,
            started_at=started_at,
        )
        try:
            with self._session.begin_nested():  # flushes what is pending first, outside it
                self._session.add(row)
        except IntegrityError:
            return False
        self._kept[run_id] = row
        return True

    def add_problem(
        self,
        run_id: str,
        *,
        position: int,
        revision_id: int,
        option_order: list[int] | None,
        time_limit_seconds: float,
        max_attempts: int,
    ) -> None:
        self._session.add(
            RunProblemRow(
                run_id=run_id,
                position=position,
                revision_id=revision_id,
                option_order=option_order,
                time_limit_seconds=time_limit_seconds,
                max_attempts=max_attempts,
            )
        )

    # -- reading ---------------------------------------------------------------

    def find(self, run_id: str) -> RunRecord | None:
        row = self._session.get(RunRow, run_id)
        if row is None:
            return None
        self._kept[run_id] = row
        return _record(row)

    def get(self, run_id: str) -> RunRecord:
        return _record(self._session.get_one(RunRow, run_id))

    def reload(self, run_id: str) -> RunRecord:
        """The run as the database has it now, after Core updates on the same connection."""
        row = self._session.get_one(RunRow, run_id)
        self._session.refresh(row)
        return _record(row)

    def problems(self, run_id: str) -> list[RunProblemRecord]:
        rows = self._session.scalars(
            select(RunProblemRow)
            .where(RunProblemRow.run_id == run_id)
            .order_by(RunProblemRow.position)
        ).all()
        return [_problem_record(row) for row in rows]


def _record(row: RunRow) -> RunRecord:
    return RunRecord(
        id=row.id,
        user_id=row.user_id,
        set_id=row.set_id,
        started_at=row.started_at,
        finished=row.finished_at is not None,
        badge_awarded=row.badge_awarded,
    )


def _problem_record(row: RunProblemRow) -> RunProblemRecord:
    return RunProblemRecord(
        position=row.position,
        revision_id=row.revision_id,
        content_hash=row.revision.content_hash,
        time_limit_seconds=row.time_limit_seconds,
        max_attempts=row.max_attempts,
        attempts_used=row.attempts_used,
        hint_used=row.hint_used_at is not None,
        outcome=Outcome(row.outcome),
        started=row.deadline is not None,
    )
