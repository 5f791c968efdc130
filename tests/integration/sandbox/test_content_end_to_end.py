"""All of `challenges/`, loaded as `quiz load` does (every variant run in the sandbox),
then taken as a learner: in every challenge set, each drawn problem whose answer is a
shape is answered with what running the learner's own code gives, independently of
what loading stored, and must be graded right."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.authoring.loader import parse_tree
from app.config import Settings
from app.domain.challenge import Problem, SetKind
from app.domain.clock import FakeClock, system_clock
from app.domain.shapes import ShapeSyntaxError, format_shape, parse_shape
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.sandbox.client import Sandbox
from app.sandbox.protocol import SnippetJob
from app.services.checking import Checker
from app.services.loading import load_tree
from app.web.app import create_app
from tests.conftest import FAST_HASHER, PASSWORD, TestClient

pytestmark = pytest.mark.sandbox

CHALLENGES = Path(__file__).resolve().parents[3] / "challenges"


def executed_shape(sandbox: Sandbox, problem: Problem, shown_code: str) -> tuple[int, ...]:
    assert problem.answer is not None
    job = SnippetJob(shown_code, shape_of=problem.answer.shape_of, device=problem.answer.device)
    result = sandbox.run(job)
    assert result.shape is not None, (problem.key, result.status, result.stderr[-500:])
    return tuple(result.shape)


def answer_for(shape: tuple[int, ...], options: list[dict[str, str]]) -> str | int:
    if not options:
        return format_shape(shape)
    for index, option in enumerate(options):
        try:
            if tuple(parse_shape(option["text"])) == shape:
                return index
        except ShapeSyntaxError:
            continue
    raise AssertionError(f"no option reads {shape}: {options}")


def test_every_set_grades_the_executed_shape_as_right(
    settings: Settings,
    clock: FakeClock,
    sessions: sessionmaker[Session],
    units: UnitOfWorkFactory,
    sandbox: Sandbox,
) -> None:
    checker = Checker(sandbox.run, units=units, clock=system_clock, wall_seconds=30)
    report = load_tree(units, CHALLENGES, clock=clock, verify=checker)
    assert report.ok, [(f.source, f.errors) for f in report.files if f.errors]
    sets = [item.challenge_set for item in parse_tree(CHALLENGES) if item.challenge_set]
    challenges = [s for s in sets if s.kind is SetKind.CHALLENGE]
    assert len(challenges) >= 12

    app = create_app(settings, clock=clock, sandbox=sandbox, password_hasher=FAST_HASHER)
    graded: dict[str, int] = {}
    for number, challenge in enumerate(challenges):
        by_title = {problem.title: problem for problem in challenge.problems}
        with TestClient(app) as learner:
            account = {"username": f"learner{number}", "password": PASSWORD}
            assert learner.post("/api/auth/register", json=account).status_code == 201
            started = learner.post(f"/api/challenges/{challenge.slug}/runs", json={})
            assert started.status_code == 201, started.text
            run_id = started.json()["run_id"]
            for n in range(1, len(challenge.positions()) + 1):
                shown = learner.get(f"/api/runs/{run_id}/problems/{n}").json()
                problem = by_title[shown["title"]]
                if problem.answer is None or not shown["code"]:
                    continue
                shape = executed_shape(sandbox, problem, shown["code"])
                answer = answer_for(shape, shown.get("options") or [])
                url = f"/api/runs/{run_id}/problems/{n}/answer"
                outcome = learner.post(url, json={"answer": answer}).json()
                assert outcome["correct"], (challenge.slug, problem.key, shown["code"], shape)
                graded[challenge.slug] = graded.get(challenge.slug, 0) + 1
    # A position is sure to be graded here when every problem it may draw has a shape
    # answer; a pool mixing kinds may or may not draw one.
    sure = {
        challenge.slug: sum(
            all(p.answer is not None and p.code for p in position)
            for position in challenge.positions()
        )
        for challenge in challenges
    }
    assert sum(sure.values()) >= len(challenges)
    assert all(graded.get(slug, 0) >= count for slug, count in sure.items()), (graded, sure)
