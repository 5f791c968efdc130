"""What the catalog shows a learner beside a challenge: their best run and badge; and
which sets a topic and search words select, with the topics there are to choose from.

Their open run and retake wait: app.persistence.open_runs. A unit of work hands these
queries out as `uow.catalog`, on its connection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute

from app.domain.runs import Outcome
from app.persistence.prepared import Prepared
from app.persistence.tables import (
    AwardRow,
    ChallengeSetRow,
    ProblemRevisionRow,
    ProblemRow,
    RunProblemRow,
    RunRow,
)

_ESCAPE = "\\"


@dataclass(frozen=True)
class RunScore:
    run_id: str
    correct: int
    total: int


# A learner's standing with one set is read on its intro page: built once, prepared.
_LEARNER: BindParameter[int] = bindparam("learner_id")
_SET: BindParameter[int] = bindparam("set_id")
_CORRECT = func.sum(case((RunProblemRow.outcome == Outcome.CORRECT.value, 1), else_=0))
_SCORE_COLUMNS: tuple[Any, ...] = (
    RunRow.id,
    _CORRECT.label("correct"),
    func.count(RunProblemRow.id).label("total"),
)
_RUN_SCORES = Prepared(
    select(*_SCORE_COLUMNS)
    .join(RunProblemRow, RunProblemRow.run_id == RunRow.id)
    .where(RunRow.user_id == _LEARNER, RunRow.set_id == _SET)
    .group_by(RunRow.id)
)
_BADGE_EARNED_AT = Prepared(
    select(AwardRow.awarded_at).where(AwardRow.user_id == _LEARNER, AwardRow.set_id == _SET)
)


class CatalogQueries:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def run_scores(self, *, learner_id: int, set_id: int) -> list[RunScore]:
        """Each of the learner's runs of the set: its id, problems correct, problems in all."""
        rows = _RUN_SCORES.rows(self._conn, {"learner_id": learner_id, "set_id": set_id})
        return [
            RunScore(run_id=run_id, correct=correct or 0, total=total)
            for run_id, correct, total in rows
        ]

    def sets_run_by(self, *, learner_id: int) -> set[int]:
        """The sets the learner has ever started: only these can hold a best, a badge, an
        open run or a retake wait (one indexed query instead of four per set)."""
        return set(self._conn.scalars(select(RunRow.set_id).where(RunRow.user_id == learner_id)))

    def badge_earned_at(self, *, learner_id: int, set_id: int) -> datetime | None:
        row = _BADGE_EARNED_AT.first(self._conn, {"learner_id": learner_id, "set_id": set_id})
        return None if row is None else row[0]

    def active_topics(self) -> list[str]:
        """Every topic an active set names, A to Z: the catalog's topic choices come from
        the loaded files, whatever topics they bring."""
        topics = self._conn.scalars(
            select(ChallengeSetRow.topic)
            .where(ChallengeSetRow.retired_at.is_(None), ChallengeSetRow.topic.is_not(None))
            .distinct()
        ).all()
        return sorted((topic for topic in topics if topic), key=str.casefold)

    def matching_set_ids(self, *, topic: str | None, words: Sequence[str]) -> set[int]:
        """The active sets in `topic` (any case) whose title, summary, topic or a current
        problem's title or prompt holds every one of `words` (lower-cased by the caller);
        each word is plain text: % and _ match only themselves."""
        query = select(ChallengeSetRow.id).where(ChallengeSetRow.retired_at.is_(None))
        if topic is not None:
            query = query.where(func.lower(ChallengeSetRow.topic) == topic.lower())
        for word in words:
            query = query.where(_holds(word))
        return set(self._conn.scalars(query).all())


def _holds(word: str) -> ColumnElement[bool]:
    in_problem = exists().where(
        ProblemRow.set_id == ChallengeSetRow.id,
        ProblemRow.retired_at.is_(None),
        ProblemRevisionRow.id == ProblemRow.current_revision_id,
        or_(
            _contains(ProblemRevisionRow.content["title"].as_string(), word),
            _contains(ProblemRevisionRow.content["prompt"].as_string(), word),
        ),
    )
    return or_(
        _contains(ChallengeSetRow.title, word),
        _contains(ChallengeSetRow.summary, word),
        _contains(ChallengeSetRow.topic, word),
        in_problem,
    )


def _contains(
    column: ColumnElement[Any] | InstrumentedAttribute[Any], word: str
) -> ColumnElement[bool]:
    plain = word.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%")
    plain = plain.replace("_", _ESCAPE + "_")
    return func.lower(column).like(f"%{plain}%", escape=_ESCAPE)
