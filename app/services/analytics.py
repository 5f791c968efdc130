"""Analytics of a challenge set: how its runs went, and how each problem works as an item.

A *take* is one problem as one learner saw it in one run (a run problem with a first
view). Rates count ended takes (right, out of attempts, or timed out); a take still
on the clock counts only as a learner. Discrimination uses finished runs, where every
problem has an outcome. Statistics are per problem across its revisions; options are
matched by text, so an edited option appears as a new line (marked as earlier).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from app.domain import analytics
from app.domain import takes as takes_rules
from app.domain.analytics import Flag
from app.domain.challenge import Level, ProblemType, SetKind
from app.domain.clock import Clock
from app.domain.errors import NotFound
from app.domain.runs import Outcome, current_outcome, run_seconds
from app.domain.takes import Attempt, OptionStat, ShapeCount, SuccessRates, Take, VariantStat
from app.persistence.analytics import (
    AnalyticsRepository,
    ProblemRecord,
    RunRecord,
    SetRecord,
)
from app.persistence.unit_of_work import UnitOfWorkFactory

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
class ProblemStats(SuccessRates):
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
    variants: tuple[VariantStat, ...] = ()  # per variant, for a problem with params
    pooled: bool = False  # shares its position with other problems (a pool)

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


def set_stats(
    units: UnitOfWorkFactory, *, clock: Clock, slug: str, scope: Scope | None = None
) -> SetStats:
    with units() as uow:
        repo = uow.analytics
        found = repo.set_by_slug(slug)
        if found is None or found.kind is not SetKind.CHALLENGE:
            raise NotFound(f"There is no challenge set called {slug!r}.")
        return _compute(repo, found, scope or Scope(), clock())


def overview(units: UnitOfWorkFactory, *, clock: Clock) -> list[SetStats]:
    """Every challenge set, active ones first, with its numbers over all runs."""
    with units() as uow:
        repo = uow.analytics
        challenge_sets = repo.challenge_sets()
        now = clock()
        return [_compute(repo, found, Scope(), now) for found in challenge_sets]


def _compute(
    repo: AnalyticsRepository, challenge_set: SetRecord, scope: Scope, now: datetime
) -> SetStats:
    runs = _runs_in_scope(repo, challenge_set.id, scope)
    takes = _takes(repo, challenge_set.id, runs, now)
    by_problem: defaultdict[int, list[Take]] = defaultdict(list)
    for take in takes:
        by_problem[take.problem_id].append(take)
    finished = {run.id for run in runs.values() if run.finished_at is not None}
    scores = takes_rules.finished_scores(takes, finished)
    rows = [p for p in repo.problems(challenge_set.id) if not p.retired or p.id in by_problem]
    shared = Counter(row.position for row in rows if not row.retired)
    problems = tuple(
        _problem_stats(
            repo, row, by_problem.get(row.id, []), scores, pooled=shared[row.position] > 1
        )
        for row in rows
    )
    durations = [
        seconds
        for run in runs.values()
        if (seconds := run_seconds(run.started_at, run.finished_at)) is not None
    ]
    totals = [sum(correct.values()) for correct in scores.values()]
    positions = len({problem.position for problem in problems if not problem.retired})
    top = max([positions, *(len(correct) for correct in scores.values())])
    return SetStats(
        slug=challenge_set.slug,
        title=challenge_set.title,
        badge_name=challenge_set.badge_name,
        retired=challenge_set.retired,
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


def _runs_in_scope(repo: AnalyticsRepository, set_id: int, scope: Scope) -> dict[str, RunRecord]:
    runs = repo.runs(set_id)
    if scope.first_run_only:
        first: dict[int, RunRecord] = {}
        for run in runs:
            first.setdefault(run.user_id, run)
        runs = list(first.values())
    return {run.id: run for run in runs if scope.admits(run.started_at)}


def _takes(
    repo: AnalyticsRepository, set_id: int, runs: dict[str, RunRecord], now: datetime
) -> list[Take]:
    takes: dict[int, Take] = {}
    for record in repo.takes(set_id):
        if record.run_id not in runs:
            continue
        outcome = current_outcome(record.stored_outcome, record.deadline, now)
        takes[record.id] = Take(
            id=record.id,
            run_id=record.run_id,
            user_id=runs[record.run_id].user_id,
            problem_id=record.problem_id,
            problem=repo.problem(record.revision_id, record.content_hash),
            outcome=outcome,
            hint_used=record.hint_used,
            limit_seconds=record.time_limit_seconds,
            seconds_used=takes_rules.seconds_used(
                outcome, record.first_viewed_at, record.deadline, record.finished_at
            ),
            variant=record.variant,
        )
    for attempt in repo.attempts(set_id):
        take = takes.get(attempt.run_problem_id)
        if take is not None:
            take.attempts.append(
                Attempt(attempt.number, attempt.answer_text, attempt.option_index, attempt.correct)
            )
    return list(takes.values())


def _problem_stats(
    repo: AnalyticsRepository,
    row: ProblemRecord,
    takes: list[Take],
    scores: dict[str, dict[int, bool]],
    *,
    pooled: bool = False,
) -> ProblemStats:
    problem, revisions = repo.latest_problem(row)
    ended = [take for take in takes if take.outcome.is_over]
    right_first = sum(1 for take in ended if take.right_first)
    right_final = sum(1 for take in ended if take.outcome is Outcome.CORRECT)
    item, rest = takes_rules.item_and_rest(row.id, scores)
    discrimination = analytics.point_biserial(item, rest)
    wrong = takes_rules.wrong_shapes(takes) if not problem.is_multiple_choice else Counter[str]()
    return ProblemStats(
        key=row.key,
        position=row.position,
        title=problem.title,
        type=problem.type,
        level=problem.level,
        multiple_choice=problem.is_multiple_choice,
        retired=row.retired,
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
        options=takes_rules.option_stats(problem, takes),
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
        variants=takes_rules.variant_stats(problem, ended),
        pooled=pooled,
    )
