"""Reading and changing run problems: SQLAlchemy Core on one connection, guarded updates.

Every change that races (starting a clock, using an attempt, timing out, finishing a
run) is one UPDATE whose WHERE clause re-checks the rule, so two requests at once can
never both win, on SQLite (one writer) or PostgreSQL (row locks) alike.

What a run problem *is* (its revision, option order, limits, owner) never changes
after the run starts, so it is cached per process; only its state (deadline,
attempts, hint, outcome) is read each time. Answering then costs one guarded UPDATE
and one INSERT, each compiled once and run on the driver's cursor
(app.persistence.prepared), and a share of a COMMIT (app.persistence.group_commit).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from threading import Lock
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    Connection,
    Engine,
    Table,
    bindparam,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from app.domain.errors import NotFound
from app.domain.runs import GRACE, Outcome, current_outcome, deadline_from
from app.domain.variants import executed_for
from app.persistence.kept_connections import commit as commit
from app.persistence.kept_connections import unit_of_work
from app.persistence.prepared import Prepared
from app.persistence.tables import (
    AttemptRow,
    ChallengeSetRow,
    ProblemRevisionRow,
    RunProblemRow,
    RunRow,
)

# Statements are built once, with bind parameters, and compiled once per engine.
_RPT = cast(Table, RunProblemRow.__table__)
_ATT = cast(Table, AttemptRow.__table__)
_RP, _AT = _RPT.c, _ATT.c
_RUN: BindParameter[str] = bindparam("run_id")
_POS: BindParameter[int] = bindparam("position")
_ID: BindParameter[int] = bindparam("rp_id")
_NOW: BindParameter[datetime] = bindparam("at")
_PENDING = Outcome.PENDING.value


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Connection]:
    """A unit of work without the ORM: rolled back on exit unless `commit(conn)` was called."""
    engine: Engine = sessions.kw["bind"]
    with unit_of_work(engine) as connection:
        yield connection


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


_facts: dict[tuple[str, int], Facts] = {}
_lock = Lock()
_MAX_CACHED = 50_000

_SIBLINGS = _RPT.alias("siblings")
_TOTAL = select(func.max(_SIBLINGS.c.position)).where(_SIBLINGS.c.run_id == _RP.run_id)
_FACTS = Prepared(  # in the order of Facts' fields
    select(
        _RP.id, _RP.run_id, _RP.position, _TOTAL.scalar_subquery(), RunRow.user_id,
        ChallengeSetRow.slug, ChallengeSetRow.title, ChallengeSetRow.topic, _RP.revision_id,
        ProblemRevisionRow.content_hash, ProblemRevisionRow.executed, _RP.option_order,
        _RP.time_limit_seconds, _RP.max_attempts, _RP.variant,
    )
    .join(RunRow, RunRow.id == _RP.run_id)
    .join(ChallengeSetRow, ChallengeSetRow.id == RunRow.set_id)
    .join(ProblemRevisionRow, ProblemRevisionRow.id == _RP.revision_id)
    .where(_RP.run_id == _RUN, _RP.position == _POS)
)  # fmt: skip
_STATE_COLUMNS = (_RP.position, _RP.deadline, _RP.attempts_used, _RP.hint_used_at, _RP.outcome)
_STATES = Prepared(select(*_STATE_COLUMNS).where(_RP.run_id == _RUN).order_by(_RP.position))
_STATE = Prepared(select(*_STATE_COLUMNS).where(_RP.id == _ID))
_START = Prepared(
    update(_RPT)
    .where(_RP.id == _ID, _RP.deadline.is_(None))
    .values(first_viewed_at=_NOW, deadline=bindparam("new_deadline"))
)
_GUARD = (
    _RP.id == _ID,
    _RP.outcome == _PENDING,
    _RP.attempts_used < _RP.max_attempts,
    _RP.deadline >= bindparam("earliest_deadline"),
)
_TRIED = exists().where(_AT.run_problem_id == _ID, _AT.option_index == bindparam("option"))
_USE = update(_RPT).values(attempts_used=_RP.attempts_used + 1)
_USE_ANY = Prepared(_USE.where(*_GUARD).returning(_RP.attempts_used, _RP.deadline))
_USE_NEW_OPTION = Prepared(_USE.where(*_GUARD, ~_TRIED).returning(_RP.attempts_used, _RP.deadline))
_ATTEMPT_COLUMNS = (
    "run_problem_id", "number", "submitted_at", "answer_text", "option_index", "correct"
)  # fmt: skip
_RECORD = Prepared(insert(_ATT), columns=_ATTEMPT_COLUMNS)
_TRIED_ONE = Prepared(
    select(_AT.id).where(_AT.run_problem_id == _ID, _AT.option_index == bindparam("option"))
)
_ATTEMPTS = Prepared(
    select(_AT.number, _AT.answer_text, _AT.option_index, _AT.correct)
    .where(_AT.run_problem_id == _ID)
    .order_by(_AT.number)
)
_END = Prepared(
    update(_RPT)
    .where(_RP.id == _ID, _RP.outcome == _PENDING)
    .values(outcome=bindparam("new_outcome"), finished_at=_NOW)
)
_HINT = Prepared(
    update(_RPT).where(_RP.id == _ID, _RP.hint_used_at.is_(None)).values(hint_used_at=_NOW)
)


def facts(conn: Connection, *, run_id: str, number: int, learner_id: int) -> Facts:
    """Problem `number` (from 1) of the learner's run; someone else's run is NotFound."""
    found = _facts.get((run_id, number))
    if found is None:
        found = _load_facts(conn, run_id, number)
    if found is None or found.user_id != learner_id:
        raise NotFound("There is no such problem in your runs.")
    return found


def _load_facts(conn: Connection, run_id: str, number: int) -> Facts | None:
    row = _FACTS.first(conn, {"run_id": run_id, "position": number})
    if row is None:
        return None
    found = Facts(*row)
    if found.variant is not None:
        found = replace(found, executed=_as_dict(executed_for(found.executed, found.variant)))
    with _lock:
        if len(_facts) >= _MAX_CACHED:
            _facts.clear()
        _facts[(run_id, number)] = found
    return found


def _as_dict(executed: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return dict(executed) if executed is not None else None


def states(conn: Connection, run_id: str) -> list[State]:
    rows = _STATES.rows(conn, {"run_id": run_id})
    return [State(r[0], r[1], r[2], r[3] is not None, Outcome(r[4])) for r in rows]


def state(conn: Connection, record_id: int) -> State:
    r = _STATE.first(conn, {"rp_id": record_id})
    if r is None:
        raise LookupError(f"run problem {record_id} is missing")
    return State(r[0], r[1], r[2], r[3] is not None, Outcome(r[4]))


def start_clock(conn: Connection, found: Facts, now: datetime) -> bool:
    """Store the deadline at the first view, or at an answer to a problem never viewed;
    later ones (another tab, a refresh) keep it. Whether it was set just now."""
    deadline = deadline_from(now, found.time_limit_seconds)
    return bool(_START.change(conn, {"rp_id": found.id, "at": now, "new_deadline": deadline}))


def use_attempt(
    conn: Connection, record_id: int, now: datetime, option_index: int | None
) -> tuple[int, datetime] | None:
    """The next attempt number and the deadline, or None when the rules say no.

    No: the problem is over, out of attempts, out of time (or not yet started), or
    the same option was already tried. The caller reads the state to say which.
    """
    statement = _USE_ANY if option_index is None else _USE_NEW_OPTION
    params = {"rp_id": record_id, "earliest_deadline": now - GRACE, "option": option_index}
    row = statement.first(conn, params)
    if row is None:
        return None
    number, deadline = row
    assert deadline is not None  # the guard compared it
    return number, deadline


def record_attempt(
    conn: Connection, record_id: int, number: int, now: datetime, text: str,
    option_index: int | None, correct: bool,
) -> None:  # fmt: skip
    _RECORD.change(
        conn,
        {
            "run_problem_id": record_id, "number": number, "submitted_at": now,
            "answer_text": text, "option_index": option_index, "correct": correct,
        },
    )  # fmt: skip


def tried(conn: Connection, record_id: int, option_index: int) -> bool:
    return _TRIED_ONE.first(conn, {"rp_id": record_id, "option": option_index}) is not None


def attempts(conn: Connection, record_id: int) -> list[tuple[int, str, int | None, bool]]:
    rows = _ATTEMPTS.rows(conn, {"rp_id": record_id})
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def end(conn: Connection, record_id: int, outcome: Outcome, now: datetime) -> bool:
    """Set the final outcome once; False when the problem had already ended."""
    params = {"rp_id": record_id, "new_outcome": outcome.value, "at": now}
    return bool(_END.change(conn, params))


def mark_hint_used(conn: Connection, record_id: int, now: datetime) -> None:
    _HINT.change(conn, {"rp_id": record_id, "at": now})
