"""Two app instances on one database file (as two app processes): a learner's playground
rate limit and sandbox share are the same on both (issue 13.1)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.clock import FakeClock
from app.web.app import create_app
from tests.conftest import FAST_HASHER
from tests.fakes import FakeRunner
from tests.integration.web.test_sandbox_share import (
    HeldSandbox,
    answered_before,
    assert_refused_share,
    learner,
    run,
    run_on_a_loop,
)


@pytest.fixture
def held() -> tuple[HeldSandbox, HeldSandbox]:
    return HeldSandbox(), HeldSandbox()


def two_apps(
    settings: Settings, clock: FakeClock, sandboxes: tuple[object, object]
) -> list[FastAPI]:
    return [
        create_app(settings, clock=clock, sandbox=box, password_hasher=FAST_HASHER)
        for box in sandboxes
    ]


def on(app: FastAPI, signed_in: httpx.AsyncClient) -> httpx.AsyncClient:
    """The same browser (its session cookie) talking to another app process."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(
        transport=transport, base_url="http://testserver", cookies=signed_in.cookies
    )


def test_a_learners_share_is_counted_across_processes(
    settings: Settings,
    clock: FakeClock,
    loaded: sessionmaker[Session],
    held: tuple[HeldSandbox, HeldSandbox],
) -> None:
    first, second = two_apps(settings, clock, held)

    async def scenario() -> None:
        async with learner(first, "ada") as ada, on(second, ada) as ada_there:
            running = [run(ada)]
            await held[0].arrived(1)
            running.append(run(ada_there))
            await held[1].arrived(1)
            third = run(ada_there)  # two run, one on each process: the third is refused
            assert await answered_before(third, held[1].arrived(2))
            assert_refused_share(third.result())
            held[0].finish_all()  # one ends on the first process: a slot is free everywhere
            assert (await running[0]).status_code == 200
            again = run(ada_there)
            await held[1].arrived(2)
            held[1].finish_all()
            assert [(await running[1]).status_code, (await again).status_code] == [200, 200]

    run_on_a_loop(scenario)


def test_a_learners_rate_limit_is_counted_across_processes(
    settings: Settings, clock: FakeClock, loaded: sessionmaker[Session]
) -> None:
    runners = (FakeRunner(), FakeRunner())
    first, second = two_apps(settings, clock, runners)

    async def scenario() -> None:
        async with learner(first, "ada") as ada, on(second, ada) as ada_there:
            for index in range(10):  # the burst, split over both processes
                client = ada if index % 2 else ada_there
                answer = await client.post("/api/playground/run", json={"code": "1"})
                assert answer.status_code == 200, answer.text
            for client in (ada, ada_there):
                refused = await client.post("/api/playground/run", json={"code": "1"})
                assert refused.status_code == 429
                assert refused.headers["Retry-After"] == "1"
            clock.advance(0.5)
            assert (await ada_there.post("/api/playground/run", json={"code": "1"})).is_success
            assert (await ada.post("/api/playground/run", json={"code": "1"})).status_code == 429

    run_on_a_loop(scenario)
    assert len(runners[0].jobs) + len(runners[1].jobs) == 11
