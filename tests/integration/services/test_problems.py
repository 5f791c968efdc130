"""Taking problems: the server-owned clock, attempts, hints and what is revealed when."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.domain.errors import AnswerNotUnderstood, NotFound, OutOfAttempts, ProblemOver, TimeUp
from app.domain.runs import Outcome
from app.persistence.tables import AttemptRow
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import accounts, problems
from app.services.accounts import Learner
from app.services.problem_views import ProblemView
from app.services.runs import RunSummary
from tests.conftest import FAST_HASHER, PASSWORD


def view(
    units: UnitOfWorkFactory, clock: FakeClock, who: Learner, run: RunSummary, n: int
) -> ProblemView:
    return problems.view_problem(units, clock=clock, learner_id=who.id, run_id=run.run_id, number=n)


def answer(
    units: sessionmaker[Session],
    clock: FakeClock,
    who: Learner,
    run: RunSummary,
    n: int,
    raw: object,
) -> problems.AnswerResult:
    return problems.submit_answer(
        units, clock=clock, learner_id=who.id, run_id=run.run_id, number=n, raw=raw
    )


def index_of(problem: ProblemView, text: str) -> int:
    return problem.options.index(text)


def test_first_view_starts_the_clock_and_later_views_keep_it(
    units: UnitOfWorkFactory, loaded, clock, learner, run
) -> None:
    first = view(units, clock, learner, run, 1)
    assert first.remaining_seconds == 120
    clock.advance(50)
    again = view(units, clock, learner, run, 1)
    assert again.remaining_seconds == 70
    assert again.attempts_left == 2


def test_multiplier_stretches_every_limit(units: UnitOfWorkFactory, loaded, clock) -> None:
    slow = accounts.register(units, FAST_HASHER, clock=clock, username="bob", password=PASSWORD)
    with loaded() as session:
        from app.persistence.tables import User

        session.get_one(User, slow.id).time_multiplier = 1.5
        session.commit()
    from app.services import runs

    run = runs.start_run(units, clock=clock, learner_id=slow.id, slug="gru-test")
    assert view(units, clock, slow, run, 1).remaining_seconds == 180


def test_shape_answer_in_any_notation_is_correct_and_reveals(
    units: UnitOfWorkFactory, loaded, clock, learner, run
) -> None:
    view(units, clock, learner, run, 1)
    result = answer(units, clock, learner, run, 1, "torch.Size([2, 3, 5])")
    assert result.correct
    assert result.finished
    assert result.reveal is not None
    assert result.reveal.correct_answer == "(2, 3, 5)"
    assert "(2, 3, 5)" in (result.reveal.explanation or "")


def test_unreadable_answer_costs_no_attempt(
    units: UnitOfWorkFactory, loaded, clock, learner, run
) -> None:
    view(units, clock, learner, run, 1)
    with pytest.raises(AnswerNotUnderstood, match="closing"):
        answer(units, clock, learner, run, 1, "(3, 4")
    assert view(units, clock, learner, run, 1).attempts_left == 2


def test_wrong_answer_keeps_explanation_hidden_until_over(
    units: UnitOfWorkFactory, loaded, clock, learner, run
) -> None:
    shown = view(units, clock, learner, run, 2)
    wrong = next(t for t in shown.options if t != "Alpha answer")
    result = answer(units, clock, learner, run, 2, index_of(shown, wrong))
    assert (result.correct, result.attempts_left, result.finished) == (False, 1, False)
    assert result.reveal is None
    after = view(units, clock, learner, run, 2)
    assert after.reveal is None
    assert after.tried_options == {index_of(shown, wrong)}
    with pytest.raises(AnswerNotUnderstood, match="already tried"):
        answer(units, clock, learner, run, 2, index_of(shown, wrong))
    other = next(t for t in shown.options if t not in {"Alpha answer", wrong})
    final = answer(units, clock, learner, run, 2, index_of(shown, other))
    assert final.outcome is Outcome.INCORRECT
    assert final.reveal is not None
    assert final.reveal.correct_index == index_of(shown, "Alpha answer")
    with pytest.raises(OutOfAttempts):
        answer(units, clock, learner, run, 2, index_of(shown, "Alpha answer"))


def test_answer_after_deadline_and_grace_is_refused(
    units: UnitOfWorkFactory, loaded, clock, learner, run
) -> None:
    view(units, clock, learner, run, 1)
    clock.advance(121)  # within the 2 s grace
    assert answer(units, clock, learner, run, 1, "(1, 1)").correct is False
    clock.advance(1.5)
    with pytest.raises(TimeUp):
        answer(units, clock, learner, run, 1, "(2, 3, 5)")
    over = view(units, clock, learner, run, 1)
    assert over.outcome is Outcome.TIMED_OUT
    assert over.reveal is not None
    with pytest.raises(TimeUp):
        answer(units, clock, learner, run, 1, "(2, 3, 5)")


def test_correct_problem_cannot_be_answered_again(
    units: UnitOfWorkFactory, loaded, clock, learner, run
) -> None:
    answer(units, clock, learner, run, 1, "(2, 3, 5)")
    with pytest.raises(ProblemOver):
        answer(units, clock, learner, run, 1, "(2, 3, 5)")


def test_hint_is_given_and_recorded(units: UnitOfWorkFactory, loaded, clock, learner, run) -> None:
    assert view(units, clock, learner, run, 2).hint is None
    hint = problems.take_hint(
        units, clock=clock, learner_id=learner.id, run_id=run.run_id, number=2
    )
    assert hint == "Think about gate."
    assert view(units, clock, learner, run, 2).hint == "Think about gate."


def test_another_learner_cannot_see_the_run(
    units: UnitOfWorkFactory, loaded, clock, learner, run
) -> None:
    eve = accounts.register(units, FAST_HASHER, clock=clock, username="eve", password=PASSWORD)
    with pytest.raises(NotFound):
        view(units, clock, eve, run, 1)
    with pytest.raises(NotFound):
        answer(units, clock, eve, run, 1, "(2, 3, 5)")


def test_concurrent_answers_never_exceed_max_attempts(
    units: UnitOfWorkFactory, loaded, clock, learner, run
) -> None:
    view(units, clock, learner, run, 1)

    def submit(i: int) -> str:
        try:
            answer(units, clock, learner, run, 1, f"({i + 10}, 1)")
        except OutOfAttempts:
            return "refused"
        return "used"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(submit, range(16)))
    assert results.count("used") == 2
    with loaded() as session:
        assert session.scalar(select(func.count(AttemptRow.id))) == 2
