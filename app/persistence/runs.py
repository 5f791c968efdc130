"""Runs as started and summed up: Core statements on a unit of work's connection.

Answering goes through app.persistence.run_problems (guarded updates); this module
serves the moments around it, starting a run and summing one up. Its statements are
built once and compiled once per engine (app.persistence.prepared), as on the answer
path: a start or a result page costs a few indexed statements, none per problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import BindParameter, Connection, Table, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from app.domain.runs import Outcome
from app.persistence.prepared import Prepared
from app.persistence.tables import ProblemRevisionRow, RunProblemRow, RunRow, User


@dataclass(frozen=True)
class RunRecord:
    id: str
    user_id: int
    set_id: int
    started_at: datetime
    finished: bool
    badge_awarded: bool


@dataclass(frozen=True)
class Seen:
    """A problem a learner viewed in a run, and the variant they had (None: no params)."""

    problem_id: int
    variant: dict[str, Any] | None


@dataclass(frozen=True)
class NewRunProblem:
    """A problem a new run takes at `position`: its revision, order, variant and limits."""

    position: int
    revision_id: int
    option_order: list[int] | None
    time_limit_seconds: float
    max_attempts: int
    variant: dict[str, Any] | None = None


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


_RUNS = cast(Table, RunRow.__table__)
_PROBLEMS = cast(Table, RunProblemRow.__table__)
_run, _problem = _RUNS.c, _PROBLEMS.c
_REVISIONS = cast(Table, ProblemRevisionRow.__table__)
_revision = _REVISIONS.c
_users = cast(Table, User.__table__).c
_RUN_ID: BindParameter[str] = bindparam("run_id")

_MULTIPLIER = Prepared(select(_users.time_multiplier).where(_users.id == bindparam("learner_id")))
_RUN_COLUMNS = ("id", "user_id", "set_id", "time_multiplier", "started_at", "finished_at")
_ADD = Prepared(insert(_RUNS), columns=(*_RUN_COLUMNS, "badge_awarded"))
_PROBLEM_COLUMNS = (
    "run_id", "position", "revision_id", "option_order", "variant", "time_limit_seconds",
    "max_attempts", "attempts_used", "outcome",
)  # fmt: skip
_ADD_PROBLEM = Prepared(insert(_PROBLEMS), columns=_PROBLEM_COLUMNS)
_SEEN = Prepared(
    select(_revision.problem_id, _problem.variant)
    .join(_RUNS, _run.id == _problem.run_id)
    .join(_REVISIONS, _revision.id == _problem.revision_id)
    .where(
        _run.user_id == bindparam("learner_id"),
        _run.set_id == bindparam("set_id"),
        _problem.first_viewed_at.is_not(None),
    )
)
_FIND = Prepared(
    select(_run.id, _run.user_id, _run.set_id, _run.started_at, _run.finished_at,
           _run.badge_awarded).where(_run.id == _RUN_ID)
)  # fmt: skip
_RUN_PROBLEMS = Prepared(
    select(
        _problem.position, _problem.revision_id, _revision.content_hash,
        _problem.time_limit_seconds, _problem.max_attempts, _problem.attempts_used,
        _problem.hint_used_at, _problem.outcome, _problem.deadline,
    )
    .join(_REVISIONS, _revision.id == _problem.revision_id)
    .where(_problem.run_id == _RUN_ID)
    .order_by(_problem.position)
)  # fmt: skip


class RunRepository:
    """Starting runs and reading them back, on one unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- starting --------------------------------------------------------------

    def time_multiplier(self, learner_id: int) -> float:
        """The learner's accommodation, which a new run keeps."""
        row = _MULTIPLIER.first(self._conn, {"learner_id": learner_id})
        if row is None:
            raise LookupError(f"learner {learner_id} is missing")
        return float(row[0])

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
        values = {
            "id": run_id, "user_id": learner_id, "set_id": set_id,
            "time_multiplier": time_multiplier, "started_at": started_at, "finished_at": None,
            "badge_awarded": False,
        }  # fmt: skip
        refused = (IntegrityError, self._conn.dialect.loaded_dbapi.IntegrityError)
        try:
            if self._conn.dialect.name == "sqlite":
                # A refused INSERT undoes itself alone, and the transaction goes on. (A
                # savepoint here would be pysqlite's first statement of the transaction:
                # releasing it would commit the run before its problems.)
                _ADD.change(self._conn, values)
            else:  # PostgreSQL: a refused INSERT aborts the transaction, unless in one
                with self._conn.begin_nested():
                    _ADD.change(self._conn, values)
        except refused:
            return False
        return True

    def add_problems(self, run_id: str, problems: Sequence[NewRunProblem]) -> None:
        """The run's problems, each pending with no attempt used: one call to the driver."""
        _ADD_PROBLEM.change_many(self._conn, [_new_problem_row(run_id, p) for p in problems])

    def seen(self, learner_id: int, set_id: int) -> list[Seen]:
        """What the learner has been shown in earlier runs of the set: problem and variant."""
        rows = _SEEN.rows(self._conn, {"learner_id": learner_id, "set_id": set_id})
        return [Seen(problem_id, variant) for problem_id, variant in rows]

    # -- reading ---------------------------------------------------------------

    def find(self, run_id: str) -> RunRecord | None:
        """The run as the database has it now (Core updates on the connection included)."""
        row = _FIND.first(self._conn, {"run_id": run_id})
        return None if row is None else _record(row)

    def get(self, run_id: str) -> RunRecord:
        found = self.find(run_id)
        if found is None:
            raise LookupError(f"run {run_id} is missing")
        return found

    def problems(self, run_id: str) -> list[RunProblemRecord]:
        """The run's problems in order, with their revisions' hashes: one statement."""
        return [_problem_record(row) for row in _RUN_PROBLEMS.rows(self._conn, {"run_id": run_id})]


def _new_problem_row(run_id: str, p: NewRunProblem) -> dict[str, Any]:
    return {
        "run_id": run_id, "position": p.position, "revision_id": p.revision_id,
        "option_order": p.option_order, "variant": p.variant,
        "time_limit_seconds": p.time_limit_seconds, "max_attempts": p.max_attempts,
        "attempts_used": 0, "outcome": Outcome.PENDING.value,
    }  # fmt: skip


def _record(row: tuple[Any, ...]) -> RunRecord:
    run_id, user_id, set_id, started_at, finished_at, badge_awarded = row
    return RunRecord(
        id=run_id,
        user_id=user_id,
        set_id=set_id,
        started_at=started_at,
        finished=finished_at is not None,
        badge_awarded=bool(badge_awarded),
    )


def _problem_record(row: tuple[Any, ...]) -> RunProblemRecord:
    (
        position, revision_id, content_hash, time_limit_seconds, max_attempts, attempts_used,
        hint_used_at, outcome, deadline,
    ) = row  # fmt: skip
    return RunProblemRecord(
        position=position,
        revision_id=revision_id,
        content_hash=content_hash,
        time_limit_seconds=time_limit_seconds,
        max_attempts=max_attempts,
        attempts_used=attempts_used,
        hint_used=hint_used_at is not None,
        outcome=Outcome(outcome),
        started=deadline is not None,
    )
