"""Analytics on a history with known numbers (worked out by hand in the comments).

The test set (tests/builders.challenge): 1 shape, free text, 120 s, 2 attempts, answer
(2, 3, 5); 2 gate, choice, right = 0 ("Alpha"), 2 attempts; 3 debug, choice, right = 2
("Charlie"), 1 attempt, 90 s.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.domain.analytics import Flag
from app.domain.challenge import Option
from app.domain.clock import FakeClock
from app.domain.errors import NotFound
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import analytics
from app.services.analytics import Scope, SetStats
from tests import builders
from tests.conftest import save_sets
from tests.integration.admin.history import History, Take


@pytest.fixture
def five(history: History, clock: FakeClock) -> History:
    """ann 3/3 (badge), bob 2/3, cat 1/3, dan 0/3 finished; eve still on problem 3."""
    ids = {name: history.learner(name) for name in ("ann", "bob", "cat", "dan", "eve")}
    history.run(ids["ann"], "gru-test", [
        Take(("(2, 3, 5)",), seconds=20), Take((0,), seconds=10), Take((2,), seconds=30),
    ])  # fmt: skip
    history.run(ids["bob"], "gru-test", [
        Take(("(2, 5)", "(2, 3, 5)"), seconds=40, hint=True),
        Take((1, 0), seconds=50),
        Take((0,), seconds=20),
    ])  # fmt: skip
    history.run(ids["cat"], "gru-test", [
        Take(("[2,5]", "2x5"), seconds=60), Take((0,), seconds=30), Take(timeout=True),
    ])  # fmt: skip
    history.run(ids["dan"], "gru-test", [
        Take(("(3, 2, 5)",), seconds=50, timeout=True),
        Take((2, 3), seconds=40),
        Take((1,), seconds=10),
    ])  # fmt: skip
    history.run(ids["eve"], "gru-test", [
        Take(("(2, 3, 5)",), seconds=60), Take((0,), seconds=20), Take(),
    ], at=clock.now - timedelta(seconds=100))  # fmt: skip
    return history


@pytest.fixture
def stats(
    units: UnitOfWorkFactory, five: History, loaded: sessionmaker[Session], clock: FakeClock
) -> SetStats:
    return analytics.set_stats(units, clock=clock, slug="gru-test")


def test_set_numbers(stats: SetStats) -> None:
    assert (stats.runs_started, stats.runs_finished, stats.learners) == (5, 4, 5)
    assert stats.learners_awarded == 1
    assert stats.badge_rate == pytest.approx(0.2)
    assert stats.perfect_rate == pytest.approx(0.25)
    assert stats.finish_rate == pytest.approx(0.8)
    assert stats.score_distribution == (1, 1, 1, 1)  # dan 0, cat 1, bob 2, ann 3
    # ann 20+10+30, bob 40+50+20, cat 60+30+90 (timeout), dan 120 (timeout)+40+10
    assert stats.median_run_seconds == pytest.approx((110 + 170) / 2)


def test_free_text_problem(stats: SetStats) -> None:
    shape = stats.problems[0]
    assert shape.key == "shape"
    assert not shape.multiple_choice
    assert (shape.learners, shape.takes, shape.in_progress) == (5, 5, 0)
    assert shape.first_try_rate == pytest.approx(0.4)  # ann, eve
    assert shape.final_rate == pytest.approx(0.6)  # + bob
    assert shape.hint_rate == pytest.approx(0.2)  # bob
    assert shape.timeout_rate == pytest.approx(0.2)  # dan
    assert shape.median_seconds == pytest.approx(60)  # 20, 40, 60, 60, 120
    assert [(s.shape, s.count) for s in shape.wrong_shapes] == [("(2, 5)", 3), ("(3, 2, 5)", 1)]
    assert shape.wrong_answers == 4
    # right in the end [1, 1, 0, 0] against the rest [2, 1, 1, 0]: 1.0 / sqrt(0.5) * 0.5
    assert shape.discrimination == pytest.approx(0.70710678)
    assert shape.discrimination_runs == 4
    assert shape.flags == ()


def test_choice_problem_distractors(stats: SetStats) -> None:
    gate = stats.problems[1]
    assert gate.first_try_rate == pytest.approx(0.6)
    assert gate.final_rate == pytest.approx(0.8)
    assert gate.median_seconds == pytest.approx(30)  # 10, 20, 30, 40, 50
    counts = [(o.text, o.correct, o.first_choice, o.chosen) for o in gate.options]
    assert counts == [
        ("Alpha answer", True, 3, 4),
        ("Bravo answer", False, 1, 1),
        ("Charlie answer", False, 1, 1),
        ("Delta answer", False, 0, 1),
    ]
    # [1, 1, 1, 0] against [2, 1, 0, 0]: (1 - 0) / sqrt(0.6875) * sqrt(0.1875)
    assert gate.discrimination == pytest.approx(0.52223297)


def test_problem_with_one_still_on_the_clock(stats: SetStats) -> None:
    debug = stats.problems[2]
    assert (debug.learners, debug.takes, debug.in_progress) == (5, 4, 1)
    assert debug.first_try_rate == pytest.approx(0.25)
    assert debug.timeout_rate == pytest.approx(0.25)  # cat
    assert debug.median_seconds == pytest.approx(25)  # 10, 20, 30, 90
    assert debug.discrimination == pytest.approx(0.52223297)


def test_scope_by_date_and_first_run(
    units: UnitOfWorkFactory, five: History, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    ann = five.learner("ann2")
    five.run(ann, "gru-test", [Take((), timeout=True)] * 3, at=clock.now - timedelta(hours=1))
    five.run(ann, "gru-test", [Take(("(2, 3, 5)",)), Take((0,)), Take((2,))],
             at=clock.now - timedelta(minutes=30))  # fmt: skip
    everything = analytics.set_stats(units, clock=clock, slug="gru-test")
    assert everything.runs_started == 7
    first = analytics.set_stats(
        units, clock=clock, slug="gru-test", scope=Scope(first_run_only=True)
    )
    assert first.runs_started == 6
    assert first.learners_awarded == 1  # ann2's badge came on her second run
    today = clock.now.date()
    recent = analytics.set_stats(units, clock=clock, slug="gru-test", scope=Scope(since=today))
    assert recent.runs_started == 3  # eve's and ann2's two
    old = analytics.set_stats(
        units, clock=clock, slug="gru-test", scope=Scope(until=today - timedelta(days=1))
    )
    assert old.runs_started == 4
    empty = analytics.set_stats(
        units, clock=clock, slug="gru-test", scope=Scope(since=date(2030, 1, 1))
    )
    assert empty.runs_started == 0
    assert empty.problems[0].first_try_rate is None
    assert empty.badge_rate is None


def test_flags(
    units: UnitOfWorkFactory, history: History, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    problems = tuple(builders.choice(key, 0, attempts=1) for key in ("easy", "hard", "a", "b"))
    save_sets(loaded, clock, builders.challenge("flags", problems))
    # easy always right, hard never; a and b split the learners against the rest.
    plans = [(0, 1, 0, 1), (0, 1, 0, 1), (0, 1, 1, 0), (0, 1, 1, 0)]
    for n, plan in enumerate(plans):
        who = history.learner(f"u{n}")
        history.run(who, "flags", [Take((answer,)) for answer in plan])
    stats = {p.key: p for p in analytics.set_stats(units, clock=clock, slug="flags").problems}
    assert stats["easy"].flags == (Flag.EVERYONE_RIGHT_FIRST_TRY,)
    assert stats["easy"].discrimination is None
    assert stats["hard"].flags == (Flag.NOBODY_RIGHT,)
    assert stats["a"].discrimination == pytest.approx(-1.0)
    assert stats["a"].flags == (Flag.LOW_DISCRIMINATION,)


def test_options_are_counted_by_the_text_of_their_own_revision(
    units: UnitOfWorkFactory, history: History, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    before = history.learner("before")
    history.run(before, "gru-test", [None, Take((1, 0)), None])
    edited = builders.choice("gate", 0)
    texts = [Option(o.text.replace("Bravo", "Bravo, edited"), o.correct) for o in edited.options]
    problems = builders.challenge().problems
    new_gate = type(edited)(**{**edited.__dict__, "options": tuple(texts)})
    save_sets(loaded, clock, builders.challenge(problems=(problems[0], new_gate, problems[2])))
    after = history.learner("after")
    history.run(after, "gru-test", [None, Take((1,)), None])
    gate = analytics.set_stats(units, clock=clock, slug="gru-test").problems[1]
    assert gate.revisions == 2
    assert [(o.text, o.first_choice, o.current) for o in gate.options] == [
        ("Alpha answer", 0, True),
        ("Bravo, edited answer", 1, True),
        ("Charlie answer", 0, True),
        ("Delta answer", 0, True),
        ("Bravo answer", 1, False),
    ]


def test_overview_and_unknown_set(
    units: UnitOfWorkFactory, five: History, loaded: sessionmaker[Session], clock
) -> None:
    sets = analytics.overview(units, clock=clock)
    assert [s.slug for s in sets] == ["gru-test"]  # pattern sets have no runs to analyse
    with pytest.raises(NotFound):
        analytics.set_stats(units, clock=clock, slug="seq-pattern")
