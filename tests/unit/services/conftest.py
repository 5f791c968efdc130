"""Service unit tests: the real service code over a FakeUnitOfWork, no database."""

from __future__ import annotations

import random

import pytest

from app.domain.clock import FakeClock
from app.services import problems, runs
from app.services.problem_views import ProblemView
from app.services.runs import RunSummary
from tests import builders
from tests.fake_unit_of_work import FakeDatabase, FakeUnits

SLUG = "gru-test"  # builders.challenge(): a shape question (120 s, 2 attempts), then
# a choice (90 s, 2 attempts, right: "Alpha answer"), a choice (90 s, 1 attempt, "Charlie")
RIGHT = {1: "(2, 3, 5)", 2: "Alpha answer", 3: "Charlie answer"}
RETAKE_AFTER = 600


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def units() -> FakeUnits:
    db = FakeDatabase()
    db.add_set(builders.challenge(SLUG), retake_after_seconds=RETAKE_AFTER)
    return FakeUnits(db)


@pytest.fixture
def ada(units: FakeUnits) -> int:
    return units.db.add_learner()


@pytest.fixture
def run(units: FakeUnits, clock: FakeClock, ada: int) -> RunSummary:
    return runs.start_run(units, clock, ada, slug=SLUG, rng=random.Random(3))


def view(units: FakeUnits, clock: FakeClock, who: int, run: RunSummary, n: int) -> ProblemView:
    return problems.view_problem(units, clock, who, run_id=run.run_id, number=n)


def answer(
    units: FakeUnits, clock: FakeClock, who: int, run: RunSummary, n: int, text: str
) -> problems.AnswerResult:
    """Answer problem `n` with `text`: typed, or the option showing that text."""
    shown = view(units, clock, who, run, n)
    raw: object = shown.options.index(text) if shown.is_multiple_choice else text
    return problems.submit_answer(units, clock, who, run_id=run.run_id, number=n, raw=raw)
