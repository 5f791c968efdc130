"""bench/exam_day.py's verdicts: a step passes on what its whole crowd did."""

from __future__ import annotations

from bench.exam_day import Step


def step(started: int, *, crowd: int = 800, p99: float = 49.4) -> Step:
    done = Step("SQLite, 1 process", crowd, think=3.0, doors=60.0, ramp=3.0, p99=p99)
    done.kinds = {"start run": (started, 4.0, 85.0, 0), "answer": (233, 3.0, 21.0, 0)}
    return done


def test_the_exam_passes_only_when_the_whole_crowd_reached_it() -> None:
    # The quiet-machine run of 2026-12-05: 773 of 800 failed at the doors, 27 took the
    # exam with a p99 of 49 ms, and stepping went on to 1,600 as if 800 had passed.
    assert not step(27).exam_passed
    assert step(800).exam_passed


def test_the_exam_fails_on_its_p99_or_a_lost_answer() -> None:
    assert not step(800, p99=201.0).exam_passed
    lost = step(800)
    lost.acknowledged, lost.stored = 10, 9
    assert not lost.exam_passed
