"""bench/exam_day.py's learner, once, against the app on a real socket: the bench's script
still walks today's pages (sign-in and registration forms, the intro page, starting a run,
each problem page with its htmx hint and answers, the result page), so the bench cannot
silently rot. No timing: the bench measures, this only checks the walk and the counts."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI

from app.config import Settings
from bench import exam_day
from tests.conftest import FAST_HASHER
from tests.live_server import LiveServer

PROBLEMS = 3  # in builders.challenge()


def test_two_learners_take_the_exam_through_the_pages(app: FastAPI, settings: Settings) -> None:
    exam_day.create_accounts(
        settings.database_url, ["ada1"], FAST_HASHER.hash(exam_day.PASSWORD)
    )  # signs in; "new..." registers at the door
    plan = exam_day.Plan(slug="gru-test", think=0.0, hint=1.0)
    stats = exam_day.Stats()

    async def crowd(port: int) -> None:
        for i, name in enumerate(["ada1", "newbob1"]):
            await exam_day.take_exam("127.0.0.1", port, name, plan, stats, random.Random(i))

    with LiveServer(app) as server, ThreadPoolExecutor(1) as pool:
        # A loop of its own: the browser tests' Playwright may own this thread's loop.
        pool.submit(lambda: asyncio.run(crowd(server.port))).result()

    assert stats.failures == []
    assert [status for _, _, status in stats.samples if status >= 400] == []
    count = Counter(kind for kind, _, _ in stats.samples)
    assert count["sign in"] == count["register"] == 1
    assert count["intro page"] == count["start run"] == count["result page"] == 2
    assert count["problem page"] == count["hint"] == 2 * PROBLEMS
    assert count["static"] == 2 * len(exam_day.STATIC)
    assert stats.hashes == 2
    # Every problem ends (right, or out of attempts), each with at least one answer.
    assert count["answer"] == stats.acknowledged >= 2 * PROBLEMS
    assert exam_day.stored_attempts(settings.database_url) == stats.acknowledged
    assert len(stats.sessions) == 2


def test_a_learner_signed_in_the_day_before_takes_the_exam_without_a_hash(
    app: FastAPI, settings: Settings
) -> None:
    """`--signed-in`: the session the bench makes is one the app takes (its cookie, signed
    with the server's key, names a live server-side session)."""
    ids = exam_day.create_accounts(
        settings.database_url, ["cyd1"], FAST_HASHER.hash(exam_day.PASSWORD)
    )
    cookies = exam_day.create_sessions(settings.database_url, ids, app.state.secret_key)
    plan = exam_day.Plan(slug="gru-test", think=0.0, signed_in=True)
    stats = exam_day.Stats()

    async def crowd(port: int) -> None:
        await exam_day.take_exam(
            "127.0.0.1", port, "cyd1", plan, stats, random.Random(0), cookie=cookies["cyd1"]
        )

    with LiveServer(app) as server, ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(crowd(server.port))).result()

    assert stats.failures == []
    count = Counter(kind for kind, _, _ in stats.samples)
    assert count["sign in"] == count["register"] == count["sign in page"] == 0
    assert stats.hashes == 0
    assert count["intro page"] == count["start run"] == count["result page"] == 1
    assert count["problem page"] == PROBLEMS
    assert count["answer"] == stats.acknowledged >= PROBLEMS
