"""Reading and changing run problems: SQLAlchemy Core on one connection, guarded updates.

Every change that races (starting a clock, using an attempt, timing out, finishing a
run) is one UPDATE whose WHERE clause re-checks the rule, so two requests at once can
never both win, on SQLite (one writer) or PostgreSQL (row locks) alike.

What a run problem *is* (its revision, option order, limits, owner) never changes
after the run starts, so it is cached per process; only its state (deadline,
attempts, hint, outcome) is read each time. Answering then costs one guarded UPDATE
and one INSERT, each compiled once and run on the driver's cursor
(app.persistence.prepared), and a share of a COMMIT (app.persistence.group_commit).
A unit of work hands out `RunProblems` on its connection (`uow.run_problems`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from threading import Lock
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    BindParameter,
    Connection,
    Table,
    bindparam,
    exists,
    func,
    insert,
    select,
    update,
)

from app.domain.errors import NotFound
from app.domain.runs import GRACE, Outcome, current_outcome, deadline_from
from app.domain.variants import executed_for
from app.persistence.prepared import Prepared
from app.persistence.tables import (
    AttemptRow,
    ChallengeSetRow,
    ProblemRevisionRow,
    RunProblemRow,
    RunRow,
)


@dataclass(frozen=True)
class Facts:
    """The unchanging part of a run problem."""

    id: int
    run_id: str
    position: int
    total: int
    user_id: int
    set_slug: str
    set_title: str
    topic: str | None
    revision_id: int
    content_hash: str
    executed: dict[str, Any] | None
    option_order: list[int] | None
    time_limit_seconds: float
    max_attempts: int
    variant: dict[str, Any] | None  # the param values drawn; `executed` is that variant's


@dataclass(frozen=True)
class State:
    """The changing part: one row per problem of the run, read together for progress."""

    position: int
    deadline: datetime | None
    attempts_used: int
    hint_used: bool
    stored_outcome: Outcome

    def outcome(self, now: datetime) -> Outcome:
        return current_outcome(self.stored_outcome, self.deadline, now)


class AttemptTaken(NamedTuple):
    """An attempt the rules allowed: its number, and the problem's deadline."""

    number: int
    deadline: datetime


@dataclass(frozen=True)
class AttemptRecord:
    """One answer given, as stored (the option by its authored index)."""

    number: int
    answer_text: str
    option_index: int | None
    correct: bool


# Statements are built once, with bind parameters, and compiled once per engine.
_PROBLEMS = cast(Table, RunProblemRow.__table__)
_ATTEMPTS_TABLE = cast(Table, AttemptRow.__table__)
_problem, _attempt = _PROBLEMS.c, _ATTEMPTS_TABLE.c
_RUN_ID: BindParameter[str] = bindparam("run_id")
_POSITION: BindParameter[int] = bindparam("position")
_RECORD_ID: BindParameter[int] = bindparam("rp_id")
_NOW: BindParameter[datetime] = bindparam("at")
_PENDING = Outcome.PENDING.value

_facts: dict[tuple[str, int], Facts] = {}
_lock = Lock()
_MAX_CACHED = 50_000

_SIBLINGS = _PROBLEMS.alias("siblings")
_TOTAL = select(func.max(_SIBLINGS.c.position)).where(_SIBLINGS.c.run_id == _problem.run_id)
_FACTS_SELECT = (  # labelled by Facts' fields
    select(
        _problem.id, _problem.run_id, _problem.position, _TOTAL.scalar_subquery().label("total"),
        RunRow.user_id, ChallengeSetRow.slug.label("set_slug"),
        ChallengeSetRow.title.label("set_title"), ChallengeSetRow.topic, _problem.revision_id,
        ProblemRevisionRow.content_hash, ProblemRevisionRow.executed, _problem.option_order,
        _problem.time_limit_seconds, _problem.max_attempts, _problem.variant,
    )
    .join(RunRow, RunRow.id == _problem.run_id)
    .join(ChallengeSetRow, ChallengeSetRow.id == RunRow.set_id)
    .join(ProblemRevisionRow, ProblemRevisionRow.id == _problem.revision_id)
    .where(_problem.run_id == _RUN_ID, _problem.position == _POSITION)
)  # fmt: skip
_FACTS = Prepared(_FACTS_SELECT)
_FACT_NAMES = tuple(column.name for column in _FACTS_SELECT.selected_columns)
assert tuple(f.name for f in fields(Facts)) == _FACT_NAMES, _FACT_NAMES
_STATE_COLUMNS = (
    _problem.position, _problem.deadline, _problem.attempts_used, _problem.hint_used_at,
    _problem.outcome,
)  # fmt: skip
_STATES = Prepared(
    select(*_STATE_COLUMNS).where(_problem.run_id == _RUN_ID).order_by(_problem.position)
)
_STATE = Prepared(select(*_STATE_COLUMNS).where(_problem.id == _RECORD_ID))
_START = Prepared(
    update(_PROBLEMS)
    .where(_problem.id == _RECORD_ID, _problem.deadline.is_(None))
    .values(first_viewed_at=_NOW, deadline=bindparam("new_deadline"))
)
_GUARD = (
    _problem.id == _RECORD_ID,
    _problem.outcome == _PENDING,
    _problem.attempts_used < _problem.max_attempts,
    _problem.deadline >= bindparam("earliest_deadline"),
)
_TRIED = exists().where(
    _attempt.run_problem_id == _RECORD_ID, _attempt.option_index == bindparam("option")
)
_USE = update(_PROBLEMS).values(attempts_used=_problem.attempts_used + 1)
_TAKEN = (_problem.attempts_used, _problem.deadline)
_USE_ANY = Prepared(_USE.where(*_GUARD).returning(*_TAKEN))
_USE_NEW_OPTION = Prepared(_USE.where(*_GUARD, ~_TRIED).returning(*_TAKEN))
_UNUSE = Prepared(
    update(_PROBLEMS)
    .where(_problem.id == _RECORD_ID)
    .values(attempts_used=_problem.attempts_used - 1)
)
_ATTEMPT_COLUMNS = (
    "run_problem_id", "number", "submitted_at", "answer_text", "option_index", "correct"
)  # fmt: skip
_RECORD = Prepared(insert(_ATTEMPTS_TABLE), columns=_ATTEMPT_COLUMNS)
_TRIED_ONE = Prepared(
    select(_attempt.id).where(
        _attempt.run_problem_id == _RECORD_ID, _attempt.option_index == bindparam("option")
    )
)
_ATTEMPTS = Prepared(
    select(_attempt.number, _attempt.answer_text, _attempt.option_index, _attempt.correct)
    .where(_attempt.run_problem_id == _RECORD_ID)
    .order_by(_attempt.number)
)
_END = Prepared(
    update(_PROBLEMS)
    .where(_problem.id == _RECORD_ID, _problem.outcome == _PENDING)
    .values(outcome=bindparam("new_outcome"), finished_at=_NOW)
)
_HINT = Prepared(
    update(_PROBLEMS)
    .where(_problem.id == _RECORD_ID, _problem.hint_used_at.is_(None))
    .values(hint_used_at=_NOW)
)


def _state(row: tuple[Any, ...]) -> State:
    position, deadline, attempts_used, hint_used_at, outcome = row
    return State(
        position=position,
        deadline=deadline,
        attempts_used=attempts_used,
        hint_used=hint_used_at is not None,
        stored_outcome=Outcome(outcome),
    )


class RunProblems:
    """The problems of runs as they are taken, on one unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def facts(self, *, run_id: str, number: int, learner_id: int) -> Facts:
        """Problem `number` (from 1) of the learner's run; someone else's run is NotFound."""
        found = _facts.get((run_id, number))
        if found is None:
            found = self._load_facts(run_id, number)
        if found is None or found.user_id != learner_id:
            raise NotFound("There is no such problem in your runs.")
        return found

    def _load_facts(self, run_id: str, number: int) -> Facts | None:
        row = _FACTS.first(self._conn, {"run_id": run_id, "position": number})
        if row is None:
            return None
        found = Facts(**dict(zip(_FACT_NAMES, row, strict=True)))
        if found.variant is not None:
            found = replace(found, executed=_as_dict(executed_for(found.executed, found.variant)))
        with _lock:
            if len(_facts) >= _MAX_CACHED:
                _facts.clear()
            _facts[(run_id, number)] = found
        return found

    def states(self, run_id: str) -> list[State]:
        return [_state(row) for row in _STATES.rows(self._conn, {"run_id": run_id})]

    def state(self, record_id: int) -> State:
        row = _STATE.first(self._conn, {"rp_id": record_id})
        if row is None:
            raise LookupError(f"run problem {record_id} is missing")
        return _state(row)

    def start_clock(self, found: Facts, now: datetime) -> bool:
        """Store the deadline at the first view, or at an answer to a problem never viewed;
        later ones (another tab, a refresh) keep it. Whether it was set just now."""
        deadline = deadline_from(now, found.time_limit_seconds)
        params = {"rp_id": found.id, "at": now, "new_deadline": deadline}
        return bool(_START.change(self._conn, params))

    def use_attempt(
        self, record_id: int, now: datetime, option_index: int | None
    ) -> AttemptTaken | None:
        """The next attempt number and the deadline, or None when the rules say no.

        No: the problem is over, out of attempts, out of time (or not yet started), or
        the same option was already tried. The caller reads the state to say which.
        """
        statement = _USE_ANY if option_index is None else _USE_NEW_OPTION
        params = {"rp_id": record_id, "earliest_deadline": now - GRACE, "option": option_index}
        row = statement.first(self._conn, params)
        if row is None:
            return None
        number, deadline = row
        assert deadline is not None  # the guard compared it
        if (
            option_index is not None
            and self._conn.dialect.name != "sqlite"
            and self.tried(record_id, option_index)
        ):
            # PostgreSQL (READ COMMITTED): waiting for another answer's row lock, the
            # guard re-checked the row but read the attempts as of its start. Now that we
            # hold the lock, a new statement sees that answer's attempt: same option.
            _UNUSE.change(self._conn, {"rp_id": record_id})
            return None
        return AttemptTaken(number, deadline)

    def record_attempt(
        self, record_id: int, number: int, now: datetime, text: str,
        option_index: int | None, correct: bool,
    ) -> None:  # fmt: skip
        _RECORD.change(
            self._conn,
            {
                "run_problem_id": record_id, "number": number, "submitted_at": now,
                "answer_text": text, "option_index": option_index, "correct": correct,
            },
        )  # fmt: skip

    def tried(self, record_id: int, option_index: int) -> bool:
        params = {"rp_id": record_id, "option": option_index}
        return _TRIED_ONE.first(self._conn, params) is not None

    def attempts(self, record_id: int) -> list[AttemptRecord]:
        rows = _ATTEMPTS.rows(self._conn, {"rp_id": record_id})
        return [
            AttemptRecord(number=number, answer_text=text, option_index=index, correct=correct)
            for number, text, index, correct in rows
        ]

    def end(self, record_id: int, outcome: Outcome, now: datetime) -> bool:
        """Set the final outcome once; False when the problem had already ended."""
        params = {"rp_id": record_id, "new_outcome": outcome.value, "at": now}
        return bool(_END.change(self._conn, params))

    def mark_hint_used(self, record_id: int, now: datetime) -> None:
        _HINT.change(self._conn, {"rp_id": record_id, "at": now})


def _as_dict(executed: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return dict(executed) if executed is not None else None
