"""Taking one problem of a run: viewing it (starts its clock), answering, asking for a hint,
and whether its code may be run yet.

The server owns time: the deadline is stored at first view and checked on every
answer; the page's countdown only displays what the server says is left.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain import answers
from app.domain.clock import Clock
from app.domain.errors import (
    AnswerNotUnderstood,
    InvalidInput,
    OutOfAttempts,
    ProblemNotOver,
    ProblemOver,
    TimeUp,
    UserError,
)
from app.domain.runs import Outcome, is_past_grace, outcome_after_attempt, remaining_seconds
from app.persistence.run_problems import Facts
from app.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services import awards, problem_views
from app.services.problem_views import AttemptView, ProblemView, Reveal


@dataclass(frozen=True)
class AnswerResult:
    correct: bool
    attempts_left: int
    remaining_seconds: float
    outcome: Outcome
    reveal: Reveal | None

    @property
    def finished(self) -> bool:
        return self.outcome.is_over


def view_problem(
    units: UnitOfWorkFactory, clock: Clock, learner_id: int, *, run_id: str, number: int
) -> ProblemView:
    with units() as uow:
        taking = uow.run_problems
        found = taking.facts(run_id=run_id, number=number, learner_id=learner_id)
        states = taking.states(run_id)
        if states[number - 1].deadline is None:
            taking.start_clock(found, clock())
            states = taking.states(run_id)
        now = clock()
        if any(s.outcome(now) is not s.stored_outcome for s in states):
            awards.settle_run(uow, run_id, now)
            states = taking.states(run_id)
        problem = uow.revisions.problem(found.revision_id, found.content_hash, found.variant)
        view = problem_views.build(uow, found, problem, states, now)
        uow.commit()
        return view


def submit_answer(
    units: UnitOfWorkFactory,
    clock: Clock,
    learner_id: int,
    *,
    run_id: str,
    number: int,
    raw: object,
) -> AnswerResult:
    with units() as uow:
        taking = uow.run_problems
        found = taking.facts(run_id=run_id, number=number, learner_id=learner_id)
        problem = uow.revisions.problem(found.revision_id, found.content_hash, found.variant)
        answer = answers.read_answer(problem, found.option_order, raw)  # before any attempt
        correct = answers.is_correct(problem, answer, found.executed)
        now = clock()
        taken = taking.use_attempt(found.id, now, answer.option_index)
        if taken is None and taking.start_clock(found, now):
            taken = taking.use_attempt(found.id, now, answer.option_index)
        if taken is None:
            raise _refusal(uow, found, answer.option_index, clock)
        taking.record_attempt(
            found.id, taken.number, now, answer.text, answer.option_index, correct
        )
        outcome = outcome_after_attempt(correct, taken.number, found.max_attempts)
        reveal = None
        if outcome.is_over:
            taking.end(found.id, outcome, now)
            awards.settle_run(uow, run_id, now)
            reveal = problem_views.reveal(
                problem, found, AttemptView(taken.number, answer.text, None, correct)
            )
        uow.commit()
        return AnswerResult(
            correct=correct,
            attempts_left=0 if outcome.is_over else found.max_attempts - taken.number,
            remaining_seconds=0.0
            if outcome.is_over
            else remaining_seconds(taken.deadline, found.time_limit_seconds, now),
            outcome=outcome,
            reveal=reveal,
        )


def _refusal(uow: UnitOfWork, found: Facts, option_index: int | None, clock: Clock) -> UserError:
    """The guarded update changed nothing: find out why, in the learner's words."""
    state = uow.run_problems.state(found.id)
    now = clock()
    if state.stored_outcome is Outcome.PENDING and is_past_grace(state.deadline, now):
        awards.settle_run(uow, found.run_id, now)
        uow.commit()
        return TimeUp("Time's up: this problem is over.")
    pending = state.stored_outcome is Outcome.PENDING
    if pending and option_index is not None and uow.run_problems.tried(found.id, option_index):
        return AnswerNotUnderstood("You already tried that option; pick another one.")
    return _over_error(state.stored_outcome, state.attempts_used >= found.max_attempts)


def _over_error(outcome: Outcome, out_of_attempts: bool) -> UserError:
    if outcome is Outcome.TIMED_OUT:
        return TimeUp("Time's up: this problem is over.")
    if outcome is Outcome.CORRECT:
        return ProblemOver("You already answered this problem correctly.")
    if outcome is Outcome.INCORRECT or out_of_attempts:
        return OutOfAttempts("No attempts left: this problem is over.")
    return ProblemOver("This problem is over.")


def take_hint(
    units: UnitOfWorkFactory, clock: Clock, learner_id: int, *, run_id: str, number: int
) -> str | None:
    """The problem's hint; its first use is recorded with the time.

    Asking starts the problem's clock, as viewing it does: a hint is help under time
    pressure, never a look ahead at a problem whose clock has not started.
    """
    with units() as uow:
        found = uow.run_problems.facts(run_id=run_id, number=number, learner_id=learner_id)
        problem = uow.revisions.problem(found.revision_id, found.content_hash, found.variant)
        if problem.hint is not None:
            now = clock()
            uow.run_problems.start_clock(found, now)  # kept when already running
            uow.run_problems.mark_hint_used(found.id, now)
        uow.commit()
        return problem.hint


def ensure_runnable(
    units: UnitOfWorkFactory,
    clock: Clock,
    learner_id: int,
    *,
    run_id: str,
    number: int,
    code: str,
) -> None:
    """A problem's code may be run ("Run it") once the problem is over, if it has code.

    The code is on the page from the start, but what it prints is the answer. Over is
    what the page shows as over (`State.outcome`: correct, out of attempts, or past the
    deadline and its grace). While the learner has an unfinished problem anywhere, only
    this problem's own code runs, unedited, and not when it holds all the code of an
    unfinished problem (whose tensors it would then print): an edit could compute any
    answer. Only reads: refusing changes nothing.
    """
    with units() as uow:
        found = uow.run_problems.facts(run_id=run_id, number=number, learner_id=learner_id)
        now = clock()
        if not uow.run_problems.state(found.id).outcome(now).is_over:
            raise ProblemNotOver("You can run this code once the problem is over.")
        own = uow.revisions.problem(found.revision_id, found.content_hash, found.variant).code
        if own is None:
            raise InvalidInput("This problem has no code to run.")
        unfinished = uow.open_runs.unfinished_problems(learner_id=learner_id, now=now)
        if not unfinished:
            return
        if _as_shown(code) != _as_shown(own):
            raise ProblemNotOver(edits_wait_message(unfinished[0].set_title))
        for other in unfinished:
            # The other problem as its learner sees it: their variant's code.
            shown = uow.revisions.problem(other.revision_id, other.content_hash, other.variant)
            other_code = shown.code
            if other_code is not None and set(_lines(other_code)) <= set(_lines(own)):
                raise ProblemNotOver(
                    f"This code also answers problem {other.position} of your open run of "
                    f"{other.set_title}; you can run it once that problem is over."
                )


def edits_wait_message(set_title: str) -> str:
    return (
        f"While your run of {set_title} has unfinished problems, Run it runs this problem's "
        "code as shown; edits can run once that run is over. Reset to run it."
    )


def _as_shown(code: str) -> list[str]:
    """The code's lines with their indentation (which decides what runs: a line moved
    into a loop is other code), ignoring blank lines and spacing at the line ends."""
    return [line.rstrip() for line in code.splitlines() if line.strip()]


def _lines(code: str) -> list[str]:
    """The code's statements, indentation ignored: for finding another problem's code
    inside this one, where ignoring it refuses more, never less."""
    return [line.strip() for line in code.splitlines() if line.strip()]


def ensure_playground_free(units: UnitOfWorkFactory, clock: Clock, learner_id: int) -> None:
    """The playground runs any code, so it waits while the learner has a problem unfinished."""
    with units() as uow:
        unfinished = uow.open_runs.unfinished_problems(learner_id=learner_id, now=clock(), limit=1)
    if unfinished:
        raise ProblemNotOver(playground_wait_message(unfinished[0].set_title))


def playground_wait_message(set_title: str) -> str:
    return f"Finish or let your open run of {set_title} end before using the playground."
