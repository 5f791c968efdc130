"""What analytics reads of a challenge set's history: its runs, takes, attempts and problems.

Read only, as stored: deciding which runs are in scope, what a take's outcome is now,
and every count and rate belong to the analytics service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.challenge import Problem, SetKind
from app.domain.runs import Outcome
from app.persistence.revisions import problem_of
from app.persistence.tables import (
    AttemptRow,
    ChallengeSetRow,
    ProblemRevisionRow,
    ProblemRow,
    RunProblemRow,
    RunRow,
)


@dataclass(frozen=True)
class SetRecord:
    id: int
    slug: str
    kind: SetKind
    title: str
    badge_name: str | None
    retired: bool


@dataclass(frozen=True)
class RunRecord:
    id: str
    user_id: int
    started_at: datetime
    finished_at: datetime | None
    badge_awarded: bool


@dataclass(frozen=True)
class TakeRecord:
    """A run problem with a first view, as stored (its outcome may be out of date)."""

    id: int
    run_id: str
    revision_id: int
    problem_id: int
    content_hash: str
    stored_outcome: Outcome
    first_viewed_at: datetime
    deadline: datetime | None
    finished_at: datetime | None
    hint_used: bool
    time_limit_seconds: float
    variant: dict[str, Any] | None = None  # the param values drawn, for a problem with params


@dataclass(frozen=True)
class AttemptRecord:
    run_problem_id: int
    number: int
    answer_text: str
    option_index: int | None
    correct: bool


@dataclass(frozen=True)
class ProblemRecord:
    id: int
    key: str
    position: int
    current_revision_id: int | None
    retired: bool


class AnalyticsRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # -- sets ------------------------------------------------------------------

    def set_by_slug(self, slug: str) -> SetRecord | None:
        row = self._session.scalars(
            select(ChallengeSetRow).where(ChallengeSetRow.slug == slug)
        ).one_or_none()
        return None if row is None else _set_record(row)

    def challenge_sets(self) -> list[SetRecord]:
        """Every challenge set, active ones first, then by title."""
        rows = self._session.scalars(
            select(ChallengeSetRow)
            .where(ChallengeSetRow.kind == SetKind.CHALLENGE.value)
            .order_by(ChallengeSetRow.retired_at.is_not(None), ChallengeSetRow.title)
        ).all()
        return [_set_record(row) for row in rows]

    # -- runs, takes and attempts ----------------------------------------------

    def runs(self, set_id: int) -> list[RunRecord]:
        """The set's runs, oldest first."""
        rows = self._session.execute(
            select(
                RunRow.id,
                RunRow.user_id,
                RunRow.started_at,
                RunRow.finished_at,
                RunRow.badge_awarded,
            )
            .where(RunRow.set_id == set_id)
            .order_by(RunRow.started_at, RunRow.id)
        ).all()
        return [RunRecord(**row._mapping) for row in rows]

    def takes(self, set_id: int) -> list[TakeRecord]:
        """Every run problem of the set's runs that was viewed, in no particular order."""
        rp = RunProblemRow
        rows = self._session.execute(
            select(
                rp.id,
                rp.run_id,
                rp.revision_id,
                ProblemRevisionRow.problem_id,
                ProblemRevisionRow.content_hash,
                rp.outcome,
                rp.first_viewed_at,
                rp.deadline,
                rp.finished_at,
                rp.hint_used_at,
                rp.time_limit_seconds,
                rp.variant,
            )
            .join(RunRow, RunRow.id == rp.run_id)
            .join(ProblemRevisionRow, ProblemRevisionRow.id == rp.revision_id)
            .where(RunRow.set_id == set_id, rp.first_viewed_at.is_not(None))
        ).all()
        return [
            TakeRecord(
                id=row.id,
                run_id=row.run_id,
                revision_id=row.revision_id,
                problem_id=row.problem_id,
                content_hash=row.content_hash,
                stored_outcome=Outcome(row.outcome),
                first_viewed_at=row.first_viewed_at,
                deadline=row.deadline,
                finished_at=row.finished_at,
                hint_used=row.hint_used_at is not None,
                time_limit_seconds=row.time_limit_seconds,
                variant=row.variant,
            )
            for row in rows
        ]

    def attempts(self, set_id: int) -> list[AttemptRecord]:
        """Every attempt in the set's runs, by run problem, then in order."""
        rows = self._session.execute(
            select(
                AttemptRow.run_problem_id,
                AttemptRow.number,
                AttemptRow.answer_text,
                AttemptRow.option_index,
                AttemptRow.correct,
            )
            .join(RunProblemRow, RunProblemRow.id == AttemptRow.run_problem_id)
            .join(RunRow, RunRow.id == RunProblemRow.run_id)
            .where(RunRow.set_id == set_id)
            .order_by(AttemptRow.run_problem_id, AttemptRow.number)
        ).all()
        return [AttemptRecord(**row._mapping) for row in rows]

    # -- problems --------------------------------------------------------------

    def problems(self, set_id: int) -> list[ProblemRecord]:
        """The set's problems, retired ones included (last), in the file's order."""
        rows = self._session.scalars(
            select(ProblemRow)
            .where(ProblemRow.set_id == set_id)
            .order_by(ProblemRow.retired_at.is_not(None), ProblemRow.position)
        ).all()
        return [
            ProblemRecord(
                id=row.id,
                key=row.key,
                position=row.position,
                current_revision_id=row.current_revision_id,
                retired=row.retired_at is not None,
            )
            for row in rows
        ]

    def problem(self, revision_id: int, content_hash: str) -> Problem:
        return problem_of(self._session, revision_id, content_hash)

    def latest_problem(self, problem: ProblemRecord) -> tuple[Problem, int]:
        """The problem's current content (else its newest revision's), and its revision count."""
        revisions = self._session.execute(
            select(ProblemRevisionRow.id, ProblemRevisionRow.content_hash)
            .where(ProblemRevisionRow.problem_id == problem.id)
            .order_by(ProblemRevisionRow.id)
        ).all()
        current = next(
            (rev for rev in revisions if rev.id == problem.current_revision_id), revisions[-1]
        )
        return self.problem(current.id, current.content_hash), len(revisions)


def _set_record(row: ChallengeSetRow) -> SetRecord:
    return SetRecord(
        id=row.id,
        slug=row.slug,
        kind=SetKind(row.kind),
        title=row.title,
        badge_name=row.badge_name,
        retired=row.retired_at is not None,
    )
