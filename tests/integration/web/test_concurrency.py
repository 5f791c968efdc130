"""Concurrent HTTP requests against a real server: attempts stay within max_attempts, and
the counts in the database agree with each other."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.persistence.unit_of_work import UnitOfWorkFactory
from tests import builders
from tests.conftest import PASSWORD, save_sets
from tests.live_server import LiveServer


def test_concurrent_answers_over_http(app: FastAPI) -> None:
    with LiveServer(app) as server, ThreadPoolExecutor(1) as pool:
        # A loop of its own: the browser tests' Playwright may own this thread's loop.
        pool.submit(lambda: asyncio.run(_hammer(server.url))).result()


async def _hammer(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        await client.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
        run = (await client.post("/api/challenges/gru-test/runs", json={})).json()
        problem = f"/api/runs/{run['run_id']}/problems/1"
        await client.get(problem)
        answers = [
            client.post(problem + "/answer", json={"answer": f"({i + 10}, 1)"}) for i in range(20)
        ]
        codes = sorted(r.status_code for r in await asyncio.gather(*answers))
        assert codes.count(200) == 2
        assert codes.count(409) == 18
        summary = (await client.get(f"/api/runs/{run['run_id']}")).json()
        assert summary["problems"][0]["attempts_used"] == 2


ANSWERS: dict[int, list[str | int]] = {
    1: ["(2, 3, 5)", "(3, 2, 5)", "(2, 3"],
    2: [0, 1, 2],
    3: [2, 0, 1],
}
EXPECTED = {200, 201, 409, 422}  # done; refused: over or out of attempts; unreadable
LEARNERS, RUNS, PAGES = 8, 2, 30
PER_RUN = 1 + len(ANSWERS) * (2 + 3)  # start; per problem a view, a hint and 3 answers


def test_a_crowd_at_once_gets_only_expected_answers_and_consistent_counts(
    units: UnitOfWorkFactory, app: FastAPI, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    """Learners register, start runs, view, take hints and answer all at once while
    someone loads pages: answers share commits with each other, and the pages' ORM
    units of work take their turns in between."""
    save_sets(loaded, clock, replace(builders.challenge(), retake_after_seconds=0))
    with LiveServer(app) as server, ThreadPoolExecutor(1) as pool:
        statuses = pool.submit(lambda: asyncio.run(_crowd(server.url))).result()
    assert len(statuses) == LEARNERS * (1 + RUNS * PER_RUN) + PAGES
    assert set(statuses) <= EXPECTED, sorted(set(statuses) - EXPECTED)
    with app.state.engine.connect() as conn:
        counts = conn.execute(
            text(
                "SELECT attempts_used, max_attempts,"
                " (SELECT count(*) FROM attempts WHERE run_problem_id = run_problems.id)"
                " FROM run_problems"
            )
        ).all()
        awards = conn.execute(text("SELECT user_id, set_id FROM awards")).all()
    assert len(counts) == LEARNERS * RUNS * len(ANSWERS)
    assert all(used == recorded <= most for used, most, recorded in counts)
    assert len(awards) == len(set(awards))


async def _crowd(url: str) -> list[int]:
    statuses: list[int] = []

    async def learner(i: int) -> None:
        async with httpx.AsyncClient(base_url=url) as client:
            account = {"username": f"crowd{i}", "password": PASSWORD}
            statuses.append((await client.post("/api/auth/register", json=account)).status_code)
            for _ in range(RUNS):  # the second run is a retake
                run = await client.post("/api/challenges/gru-test/runs", json={})
                statuses.append(run.status_code)
                for n, answers in ANSWERS.items():
                    problem = f"/api/runs/{run.json()['run_id']}/problems/{n}"
                    at_once = [
                        client.get(problem),
                        client.post(problem + "/hint", json={}),
                        *(client.post(problem + "/answer", json={"answer": a}) for a in answers),
                    ]
                    statuses.extend(r.status_code for r in await asyncio.gather(*at_once))

    async def reader() -> None:
        async with httpx.AsyncClient(base_url=url) as client:
            for _ in range(PAGES):
                statuses.append((await client.get("/")).status_code)

    await asyncio.gather(*(learner(i) for i in range(LEARNERS)), reader())
    return statuses
