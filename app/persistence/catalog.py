"""What the catalog shows a learner beside a challenge: their best run and badge; and
which sets a topic and search words select, with the topics there are to choose from.

Their open run and retake wait: app.persistence.open_runs. A unit of work hands these
queries out as `uow.catalog`, on its connection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, case, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from app.domain.runs import Outcome
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


class CatalogQueries:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def run_scores(self, *, learner_id: int, set_id: int) -> list[RunScore]:
        """Each of the learner's runs of the set: its id, problems correct, problems in all."""
        correct = func.sum(case((RunProblemRow.outcome == Outcome.CORRECT.value, 1), else_=0))
        rows = self._conn.execute(
            select(RunRow.id, correct.label("correct"), func.count(RunProblemRow.id).label("total"))
            .join(RunProblemRow, RunProblemRow.run_id == RunRow.id)
            .where(RunRow.user_id == learner_id, RunRow.set_id == set_id)
            .group_by(RunRow.id)
        )
        return [RunScore(run_id=row.id, correct=row.correct or 0, total=row.total) for row in rows]

    def sets_run_by(self, *, learner_id: int) -> set[int]:
        """The sets the learner has ever started: only these can hold a best, a badge, an
        open run or a retake wait (one indexed query instead of four per set)."""
        return set(self._conn.scalars(select(RunRow.set_id).where(RunRow.user_id == learner_id)))

    def badge_earned_at(self, *, learner_id: int, set_id: int) -> datetime | None:
        return self._conn.scalar(
            select(AwardRow.awarded_at).where(
                AwardRow.user_id == learner_id, AwardRow.set_id == set_id
            )
        )

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
