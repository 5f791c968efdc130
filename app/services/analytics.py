"""Analytics of a challenge set: how its runs went, and how each problem works as an item.

A *take* is one problem as one learner saw it in one run (a run problem with a first
view). Rates count ended takes (right, out of attempts, or timed out); a take still
on the clock counts only as a learner. Discrimination uses finished runs, where every
problem has an outcome. Statistics are per problem across its revisions; options are
matched by text, so an edited option appears as a new line (marked as earlier).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain import analytics
from app.domain.analytics import Flag
from app.domain.challenge import Level, Problem, ProblemType, SetKind
from app.domain.clock import Clock
from app.domain.errors import NotFound
from app.domain.runs import Outcome, current_outcome
from app.domain.shapes import ShapeSyntaxError, format_shape, parse_shape
from app.persistence.revisions import problem_of
from app.persistence.tables import (
    AttemptRow,
    ChallengeSetRow,
    ProblemRevisionRow,
    ProblemRow,
    RunProblemRow,
    RunRow,
)
from app.persistence.unit_of_work import UnitOfWork

TOP_WRONG_SHAPES = 5


@dataclass(frozen=True)
class Scope:
    """Which runs count: all, or each learner's first; started within a date range (UTC)."""

    first_run_only: bool = False
    since: date | None = None
    until: date | None = None

    def admits(self, started_at: datetime) -> bool:
        if self.since and started_at < datetime.combine(self.since, time(), UTC):
            return False
        end = self.until and datetime.combine(self.until + timedelta(days=1), time(), UTC)
        return not (end and started_at >= end)


@dataclass(frozen=True)
class OptionStat:
    text: str
    correct: bool
    first_choice: int  # takes whose first attempt picked it: the classic distractor count
    chosen: int  # every attempt that picked it
    current: bool  # False: the option exists only in an earlier revision


@dataclass(frozen=True)
class ShapeCount:
    shape: str
    count: int


@dataclass(frozen=True)
class ProblemStats:
    key: str
    position: int
    title: str
    type: ProblemType
    level: Level
    multiple_choice: bool
    retired: bool
    revisions: int
    learners: int
    takes: int  # ended takes: the denominator of every rate
    in_progress: int
    right_first: int
    right_final: int
    hints: int
    timeouts: int
    median_seconds: float | None
    median_limit_seconds: float | None
    discrimination: float | None
    discrimination_runs: int
    options: tuple[OptionStat, ...]
    wrong_shapes: tuple[ShapeCount, ...]
    wrong_answers: int
    flags: tuple[Flag, ...]

    @property
    def first_try_rate(self) -> float | None:
        return analytics.rate(self.right_first, self.takes)

    @property
    def final_rate(self) -> float | None:
        return analytics.rate(self.right_final, self.takes)

    @property
    def hint_rate(self) -> float | None:
        return analytics.rate(self.hints, self.takes)

    @property
    def timeout_rate(self) -> float | None:
        return analytics.rate(self.timeouts, self.takes)


@dataclass(frozen=True)
class SetStats:
    slug: str
    title: str
    badge_name: str | None
    retired: bool
    scope: Scope
    runs_started: int
    runs_finished: int
    learners: int
    learners_awarded: int
    perfect_runs: int
    median_run_seconds: float | None
    score_distribution: tuple[int, ...]  # finished runs with 0, 1, ... problems right
    problems: tuple[ProblemStats, ...]

    @property
    def finish_rate(self) -> float | None:
        return analytics.rate(self.runs_finished, self.runs_started)

    @property
    def badge_rate(self) -> float | None:
        """Share of the learners in scope who earned the badge in a run in scope."""
        return analytics.rate(self.learners_awarded, self.learners)

    @property
    def perfect_rate(self) -> float | None:
        return analytics.rate(self.perfect_runs, self.runs_finished)

    @property
    def flagged(self) -> tuple[ProblemStats, ...]:
        return tuple(problem for problem in self.problems if problem.flags)


@dataclass(frozen=True)
class _Run:
    id: str
    user_id: int
    started_at: datetime
    finished_at: datetime | None
    badge_awarded: bool


@dataclass
class _Take:
    id: int
    run_id: str
    user_id: int
    problem_id: int
    problem: Problem
    outcome: Outcome
    hint_used: bool
    limit_seconds: float
    seconds_used: float | None
    attempts: list[tuple[int, str, int | None, bool]] = field(default_factory=list)


def set_stats(
    sessions: sessionmaker[Session], *, clock: Clock, slug: str, scope: Scope | None = None
) -> SetStats:
    with UnitOfWork(sessions) as uow:
        row = uow.session.scalars(
            select(ChallengeSetRow).where(ChallengeSetRow.slug == slug)
        ).one_or_none()
        if row is None or row.kind != SetKind.CHALLENGE.value:
            raise NotFound(f"There is no challenge set called {slug!r}.")
        return _compute(uow.session, row, scope or Scope(), clock())


def overview(sessions: sessionmaker[Session], *, clock: Clock) -> list[SetStats]:
    """Every challenge set, active ones first, with its numbers over all runs."""
    with UnitOfWork(sessions) as uow:
        rows = uow.session.scalars(
            select(ChallengeSetRow)
            .where(ChallengeSetRow.kind == SetKind.CHALLENGE.value)
            .order_by(ChallengeSetRow.retired_at.is_not(None), ChallengeSetRow.title)
        ).all()
        now = clock()
        return [_compute(uow.session, row, Scope(), now) for row in rows]


def _compute(session: Session, row: ChallengeSetRow, scope: Scope, now: datetime) -> SetStats:
    runs = _runs_in_scope(session, row.id, scope)
    takes = _takes(session, row.id, runs, now)
    by_problem: defaultdict[int, list[_Take]] = defaultdict(list)
    for take in takes:
        by_problem[take.problem_id].append(take)
    finished = {run.id for run in runs.values() if run.finished_at is not None}
    scores = _finished_scores(takes, finished)
    problems = tuple(
        _problem_stats(session, problem, by_problem.get(problem.id, []), scores)
        for problem in _problems(session, row.id)
        if problem.retired_at is None or problem.id in by_problem
    )
    durations = [
        (run.finished_at - run.started_at).total_seconds()
        for run in runs.values()
        if run.finished_at is not None
    ]
    totals = [sum(correct.values()) for correct in scores.values()]
    top = max([len(problems), *(len(correct) for correct in scores.values())])
    return SetStats(
        slug=row.slug,
        title=row.title,
        badge_name=row.badge_name,
        retired=row.retired_at is not None,
        scope=scope,
        runs_started=len(runs),
        runs_finished=len(finished),
        learners=len({run.user_id for run in runs.values()}),
        learners_awarded=len({run.user_id for run in runs.values() if run.badge_awarded}),
        perfect_runs=sum(1 for correct in scores.values() if correct and all(correct.values())),
        median_run_seconds=analytics.median(durations),
        score_distribution=analytics.histogram(totals, top),
        problems=problems,
    )


def _runs_in_scope(session: Session, set_id: int, scope: Scope) -> dict[str, _Run]:
    rows = session.execute(
        select(
            RunRow.id, RunRow.user_id, RunRow.started_at, RunRow.finished_at, RunRow.badge_awarded
        )
        .where(RunRow.set_id == set_id)
        .order_by(RunRow.started_at, RunRow.id)
    ).all()
    runs = [_Run(*row) for row in rows]
    if scope.first_run_only:
        first: dict[int, _Run] = {}
        for run in runs:
            first.setdefault(run.user_id, run)
        runs = list(first.values())
    return {run.id: run for run in runs if scope.admits(run.started_at)}


def _takes(session: Session, set_id: int, runs: dict[str, _Run], now: datetime) -> list[_Take]:
    rp = RunProblemRow
    rows = session.execute(
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
        )
        .join(RunRow, RunRow.id == rp.run_id)
        .join(ProblemRevisionRow, ProblemRevisionRow.id == rp.revision_id)
        .where(RunRow.set_id == set_id, rp.first_viewed_at.is_not(None))
    ).all()
    takes: dict[int, _Take] = {}
    for row in rows:
        if row.run_id not in runs:
            continue
        outcome = current_outcome(Outcome(row.outcome), row.deadline, now)
        takes[row.id] = _Take(
            id=row.id,
            run_id=row.run_id,
            user_id=runs[row.run_id].user_id,
            problem_id=row.problem_id,
            problem=problem_of(session, row.revision_id, row.content_hash),
            outcome=outcome,
            hint_used=row.hint_used_at is not None,
            limit_seconds=row.time_limit_seconds,
            seconds_used=_seconds_used(outcome, row.first_viewed_at, row.deadline, row.finished_at),
        )
    attempts = session.execute(
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
    for attempt in attempts:
        take = takes.get(attempt.run_problem_id)
        if take is not None:
            take.attempts.append(
                (attempt.number, attempt.answer_text, attempt.option_index, attempt.correct)
            )
    return list(takes.values())


def _seconds_used(
    outcome: Outcome, viewed: datetime, deadline: datetime | None, finished: datetime | None
) -> float | None:
    """From first view to the end; an answer in the grace period counts as the full limit."""
    if not outcome.is_over:
        return None
    end = deadline if outcome is Outcome.TIMED_OUT else finished
    if end is None:
        return None
    if deadline is not None:
        end = min(end, deadline)
    return max(0.0, (end - viewed).total_seconds())


def _finished_scores(takes: list[_Take], finished: set[str]) -> dict[str, dict[int, bool]]:
    """For each finished run: problem id -> right in the end."""
    scores: defaultdict[str, dict[int, bool]] = defaultdict(dict)
    for take in takes:
        if take.run_id in finished:
            scores[take.run_id][take.problem_id] = take.outcome is Outcome.CORRECT
    return dict(scores)


def _problems(session: Session, set_id: int) -> list[ProblemRow]:
    return list(
        session.scalars(
            select(ProblemRow)
            .where(ProblemRow.set_id == set_id)
            .order_by(ProblemRow.retired_at.is_not(None), ProblemRow.position)
        ).all()
    )


def _latest_problem(session: Session, row: ProblemRow) -> tuple[Problem, int]:
    revisions = session.execute(
        select(ProblemRevisionRow.id, ProblemRevisionRow.content_hash)
        .where(ProblemRevisionRow.problem_id == row.id)
        .order_by(ProblemRevisionRow.id)
    ).all()
    current = next((rev for rev in revisions if rev.id == row.current_revision_id), revisions[-1])
    return problem_of(session, current.id, current.content_hash), len(revisions)


def _problem_stats(
    session: Session,
    row: ProblemRow,
    takes: list[_Take],
    scores: dict[str, dict[int, bool]],
) -> ProblemStats:
    problem, revisions = _latest_problem(session, row)
    ended = [take for take in takes if take.outcome.is_over]
    right_first = sum(1 for take in ended if take.attempts and take.attempts[0][3])
    right_final = sum(1 for take in ended if take.outcome is Outcome.CORRECT)
    item, rest = [], []
    for correct in scores.values():
        if row.id in correct:
            item.append(correct[row.id])
            rest.append(float(sum(correct.values()) - correct[row.id]))
    discrimination = analytics.point_biserial(item, rest)
    wrong = _wrong_shapes(takes) if not problem.is_multiple_choice else Counter[str]()
    return ProblemStats(
        key=row.key,
        position=row.position,
        title=problem.title,
        type=problem.type,
        level=problem.level,
        multiple_choice=problem.is_multiple_choice,
        retired=row.retired_at is not None,
        revisions=revisions,
        learners=len({take.user_id for take in takes}),
        takes=len(ended),
        in_progress=len(takes) - len(ended),
        right_first=right_first,
        right_final=right_final,
        hints=sum(1 for take in ended if take.hint_used),
        timeouts=sum(1 for take in ended if take.outcome is Outcome.TIMED_OUT),
        median_seconds=analytics.median(
            [take.seconds_used for take in ended if take.seconds_used is not None]
        ),
        median_limit_seconds=analytics.median([take.limit_seconds for take in ended]),
        discrimination=discrimination,
        discrimination_runs=len(item),
        options=_option_stats(problem, takes),
        wrong_shapes=tuple(
            ShapeCount(shape, count) for shape, count in wrong.most_common(TOP_WRONG_SHAPES)
        ),
        wrong_answers=sum(wrong.values()),
        flags=analytics.flags_for(
            takes=len(ended),
            right_first=right_first,
            right_final=right_final,
            discrimination=discrimination,
        ),
    )


def _option_stats(current: Problem, takes: list[_Take]) -> tuple[OptionStat, ...]:
    """Choices counted by option text; attempts store the revision's authored index."""
    first: Counter[str] = Counter()
    chosen: Counter[str] = Counter()
    seen: dict[str, bool] = {}
    for take in takes:
        options = take.problem.options
        for number, _text, index, _correct in take.attempts:
            if index is None or not 0 <= index < len(options):
                continue
            option = options[index]
            seen.setdefault(option.text, option.correct)
            chosen[option.text] += 1
            if number == 1:
                first[option.text] += 1
    stats = [
        OptionStat(option.text, option.correct, first[option.text], chosen[option.text], True)
        for option in current.options
    ]
    current_texts = {option.text for option in current.options}
    stats.extend(
        OptionStat(text, was_correct, first[text], chosen[text], False)
        for text, was_correct in seen.items()
        if text not in current_texts
    )
    return tuple(stats)


def _wrong_shapes(takes: list[_Take]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for take in takes:
        for _number, text, index, correct in take.attempts:
            if index is None and not correct:
                counts[_normalised(text)] += 1
    return counts


def _normalised(text: str) -> str:
    """`[2,3]`, `2x3` and `torch.Size([2, 3])` are one wrong answer: (2, 3)."""
    try:
        return format_shape(parse_shape(text))
    except ShapeSyntaxError:
        return text.strip()
