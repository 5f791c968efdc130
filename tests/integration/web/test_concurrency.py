"""Concurrent HTTP requests against a real server never use more than max_attempts."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import PASSWORD
from tests.live_server import LiveServer


def test_concurrent_answers_over_http(app) -> None:
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
