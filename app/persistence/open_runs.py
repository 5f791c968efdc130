"""Which of a learner's runs are still open, and when their last run of a set ended.

A run is open until every problem of it is over: answered right, out of attempts, or
past its deadline and the grace period (`app.domain.runs.current_outcome`), judged by
the clock at the moment of asking, whether or not a timeout has been written down yet.
`runs.finished_at` is written when a run is settled (app.services.awards.settle_run):
the moment its last problem ended. The unique index `uq_runs_open_user_id_set_id`
(unfinished runs only) keeps a learner to one unfinished run per set, even when two
starts race. A unit of work hands them out as `uow.open_runs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Connection, bindparam, func, or_, select

from app.domain.runs import GRACE, Outcome
from app.persistence.prepared import Prepared
from app.persistence.tables import ChallengeSetRow, ProblemRevisionRow, RunProblemRow, RunRow

_RP = RunProblemRow


@dataclass(frozen=True)
class UnfinishedProblem:
    """A problem of an open run whose answer the learner has not seen yet."""

    run_id: str
    position: int
    set_title: str
    revision_id: int
    content_hash: str
    variant: dict[str, Any] | None  # the param values drawn, for a problem with params


_LEARNER: BindParameter[int] = bindparam("learner_id")
_SET: BindParameter[int] = bindparam("set_id")
_UNFINISHED = Prepared(
    select(RunRow.id)
    .where(RunRow.user_id == _LEARNER, RunRow.set_id == _SET, RunRow.finished_at.is_(None))
    .order_by(RunRow.started_at.desc())
)
_LAST_ENDED = Prepared(
    select(func.max(RunRow.finished_at)).where(RunRow.user_id == _LEARNER, RunRow.set_id == _SET)
)


class OpenRuns:
    """Open runs and unfinished problems, on one unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def unfinished_run_ids(self, *, learner_id: int, set_id: int) -> list[str]:
        """The learner's runs of the set not yet settled (one, unless from before the index)."""
        rows = _UNFINISHED.rows(self._conn, {"learner_id": learner_id, "set_id": set_id})
        return [run_id for (run_id,) in rows]

    def last_ended_at(self, *, learner_id: int, set_id: int) -> datetime | None:
        """When the learner's last finished run of the set ended."""
        row = _LAST_ENDED.first(self._conn, {"learner_id": learner_id, "set_id": set_id})
        return None if row is None else row[0]

    def unfinished_problems(
        self, *, learner_id: int, now: datetime, limit: int | None = None
    ) -> list[UnfinishedProblem]:
        """The learner's problems, in any set, that are not over at `now`."""
        query = (
            select(
                _RP.run_id, _RP.position, ChallengeSetRow.title.label("set_title"),
                _RP.revision_id, ProblemRevisionRow.content_hash, _RP.variant,
            )
            .join(RunRow, RunRow.id == _RP.run_id)
            .join(ChallengeSetRow, ChallengeSetRow.id == RunRow.set_id)
            .join(ProblemRevisionRow, ProblemRevisionRow.id == _RP.revision_id)
            .where(RunRow.user_id == learner_id, RunRow.finished_at.is_(None))
            .where(_RP.outcome == Outcome.PENDING.value)
            .where(or_(_RP.deadline.is_(None), _RP.deadline >= now - GRACE))
            .order_by(RunRow.started_at, _RP.position)
            .limit(limit)
        )  # fmt: skip
        return [UnfinishedProblem(**row._mapping) for row in self._conn.execute(query)]
