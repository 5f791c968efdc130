"""Each learner's share of the sandbox: at most 2 of their snippets run at once (issue 11.9).

Over HTTP (httpx on the app, all requests at once on one event loop) with a sandbox whose
jobs run until the test ends them, so "running at once" is exact, never a matter of
timing. The real sandbox: tests/integration/sandbox/test_playground_share.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.clock import FakeClock
from app.sandbox.client import SnippetRejected
from app.sandbox.errors import SandboxBusy, SandboxUnavailable
from app.sandbox.protocol import SnippetJob, SnippetResult
from app.web.app import create_app
from tests import builders
from tests.conftest import FAST_HASHER, PASSWORD, save_sets
from tests.integration.web.helpers import HX, csrf, text

SPIN = "while True: pass"
OK = SnippetResult(status="ok", stdout="1\n", duration_ms=2.0)
TIMEOUT = SnippetResult(status="timeout", duration_ms=3000.0)
REFUSED = "You already have 2 snippets running; wait for one to finish."


class HeldSandbox:
    """Every job runs until the test ends it with `finish` or `fail`, like a snippet that
    spins until the sandbox kills it. `pool_size` and `queue_size` are the real sandbox's
    (2 and 4 by default): the share must stay below their sum."""

    def __init__(self, *, pool_size: int = 2, queue_size: int = 4) -> None:
        self.pool_size = pool_size
        self.queue_size = queue_size
        self.jobs: list[SnippetJob] = []
        self._outcomes: list[asyncio.Future[SnippetResult]] = []
        self._arrivals: asyncio.Condition | None = None

    async def run_async(self, job: SnippetJob) -> SnippetResult:
        outcome = asyncio.get_running_loop().create_future()
        self.jobs.append(job)
        self._outcomes.append(outcome)
        async with self._condition():
            self._condition().notify_all()
        return await outcome

    async def arrived(self, count: int) -> None:
        """Until `count` jobs in all have reached the sandbox."""
        async with self._condition():
            await self._condition().wait_for(lambda: len(self.jobs) >= count)

    def finish(self, index: int, result: SnippetResult = OK) -> None:
        self._outcomes[index].set_result(result)

    def fail(self, index: int, error: Exception) -> None:
        self._outcomes[index].set_exception(error)

    def finish_all(self) -> None:
        for outcome in self._outcomes:
            if not outcome.done():
                outcome.set_result(OK)

    def _condition(self) -> asyncio.Condition:
        if self._arrivals is None:
            self._arrivals = asyncio.Condition()
        return self._arrivals


@pytest.fixture
def sandbox() -> HeldSandbox:
    return HeldSandbox()


@pytest.fixture
def app(
    settings: Settings, clock: FakeClock, loaded: sessionmaker[Session], sandbox: HeldSandbox
) -> FastAPI:
    return create_app(settings, clock=clock, sandbox=sandbox, password_hasher=FAST_HASHER)


def run_on_a_loop(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """A loop of its own: the browser tests' Playwright may own this thread's loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(scenario())).result()


class Learner(httpx.AsyncClient):
    """A signed-in learner's client; `id` is their account's."""

    id = 0


@asynccontextmanager
async def learner(app: FastAPI, name: str) -> AsyncIterator[Learner]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # a 500 is an answer
    async with Learner(transport=transport, base_url="http://testserver") as client:
        account = {"username": name, "password": PASSWORD}
        registered = await client.post("/api/auth/register", json=account)
        assert registered.status_code == 201
        client.id = registered.json()["id"]
        yield client


def run(client: httpx.AsyncClient, code: str = SPIN) -> asyncio.Task[httpx.Response]:
    """POST /api/playground/run, under way (the test awaits it when it wants the answer)."""
    return asyncio.create_task(client.post("/api/playground/run", json={"code": code}))


async def answered_before(request: Awaitable[httpx.Response], arrival: Awaitable[None]) -> bool:
    """Whether the request is answered before the sandbox sees `arrival` (a job it refused
    never arrives, so waiting on one alone would never end)."""
    answer = asyncio.ensure_future(request)
    seen = asyncio.ensure_future(arrival)
    await asyncio.wait({answer, seen}, return_when=asyncio.FIRST_COMPLETED)
    seen.cancel()
    return answer.done()


def assert_refused_share(response: httpx.Response, detail: str = REFUSED) -> None:
    assert response.status_code == 429
    assert response.json()["detail"] == detail
    assert int(response.headers["Retry-After"]) >= 1


async def holds_two_and_is_refused_a_third(
    client: httpx.AsyncClient, sandbox: HeldSandbox
) -> list[asyncio.Task[httpx.Response]]:
    """Two runs of `client` reach the sandbox and stay; a third is refused without one."""
    before = len(sandbox.jobs)
    held = [run(client), run(client)]
    await sandbox.arrived(before + 2)
    third = run(client)
    assert await answered_before(third, sandbox.arrived(before + 3)), "a third job ran"
    assert_refused_share(third.result())
    assert len(sandbox.jobs) == before + 2
    return held


def test_a_learners_third_concurrent_run_is_refused(app: FastAPI, sandbox: HeldSandbox) -> None:
    async def scenario() -> None:
        async with learner(app, "ada") as ada:
            first, second = await holds_two_and_is_refused_a_third(ada, sandbox)
            sandbox.finish(0)
            sandbox.finish(1)
            assert [(await first).status_code, (await second).status_code] == [200, 200]

    run_on_a_loop(scenario)


def test_another_learner_still_runs_while_one_holds_their_share(
    app: FastAPI, sandbox: HeldSandbox
) -> None:
    async def scenario() -> None:
        async with learner(app, "ada") as ada, learner(app, "bob") as bob:
            held = await holds_two_and_is_refused_a_third(ada, sandbox)
            theirs = run(bob, "print(1)")
            await sandbox.arrived(3)
            sandbox.finish(2)
            response = await theirs
            assert response.status_code == 200
            assert response.json()["stdout"] == "1\n"
            assert not any(task.done() for task in held)  # ada's two still run
            sandbox.finish_all()
            await asyncio.gather(*held)

    run_on_a_loop(scenario)


@pytest.mark.parametrize(
    ("end", "status"),
    [
        pytest.param(lambda box, i: box.finish(i), 200, id="finished"),
        pytest.param(lambda box, i: box.finish(i, TIMEOUT), 200, id="timed-out"),
        pytest.param(lambda box, i: box.fail(i, SandboxUnavailable("gone")), 503, id="no-sandbox"),
        pytest.param(lambda box, i: box.fail(i, SandboxBusy("busy")), 429, id="sandbox-busy"),
        pytest.param(lambda box, i: box.fail(i, SnippetRejected("too long")), 422, id="rejected"),
        pytest.param(lambda box, i: box.fail(i, RuntimeError("a bug")), 500, id="a-bug"),
    ],
)
def test_slots_come_back_however_a_run_ends(
    app: FastAPI, sandbox: HeldSandbox, end: Callable[[HeldSandbox, int], None], status: int
) -> None:
    async def scenario() -> None:
        async with learner(app, "ada") as ada:
            first, second = await holds_two_and_is_refused_a_third(ada, sandbox)
            end(sandbox, 0)
            end(sandbox, 1)
            assert [(await first).status_code, (await second).status_code] == [status, status]
            # Both slots are free again: exactly two run at once, and a third is refused.
            again = await holds_two_and_is_refused_a_third(ada, sandbox)
            sandbox.finish_all()
            await asyncio.gather(*again)

    run_on_a_loop(scenario)


def test_a_disconnected_run_keeps_its_slot_until_its_snippet_ends(
    app: FastAPI, sandbox: HeldSandbox
) -> None:
    """Leaving (closing the tab) does not stop the snippet, so it still counts: else a
    learner could fill the sandbox by starting runs and hanging up."""

    async def scenario() -> None:
        async with learner(app, "ada") as ada:
            first, second = await holds_two_and_is_refused_a_third(ada, sandbox)
            share = app.state.playground.share
            first.cancel()  # the client goes away; the request is cancelled
            await asyncio.gather(first, return_exceptions=True)
            assert first.cancelled()
            assert share.running(ada.id) == 2
            assert_refused_share(await run(ada))
            sandbox.finish(0)  # the abandoned snippet ends: its slot comes back
            while share.running(ada.id) == 2:
                await asyncio.sleep(0)  # until the sandbox's answer is handled
            third = run(ada)
            await sandbox.arrived(3)
            sandbox.finish_all()
            assert [(await second).status_code, (await third).status_code] == [200, 200]

    run_on_a_loop(scenario)


def test_a_rate_limit_refusal_holds_no_slot(
    app: FastAPI, sandbox: HeldSandbox, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with learner(app, "ada") as ada:
            for index in range(10):  # the burst the token bucket allows
                quick = run(ada, "1")
                await sandbox.arrived(index + 1)
                sandbox.finish(index)
                assert (await quick).status_code == 200
            slow_down = await run(ada, "1")
            assert slow_down.status_code == 429
            assert slow_down.json()["detail"].startswith("Too many runs — try again in")
            clock.advance(2)  # four tokens back
            held = await holds_two_and_is_refused_a_third(ada, sandbox)
            sandbox.finish_all()
            await asyncio.gather(*held)

    run_on_a_loop(scenario)


def test_the_share_is_configurable(
    settings: Settings, clock: FakeClock, loaded: sessionmaker[Session], sandbox: HeldSandbox
) -> None:
    one_each = settings.model_copy(update={"snippets_per_learner": 1})
    app = create_app(one_each, clock=clock, sandbox=sandbox, password_hasher=FAST_HASHER)

    async def scenario() -> None:
        async with learner(app, "ada") as ada:
            first = run(ada)
            await sandbox.arrived(1)
            second = run(ada)
            assert await answered_before(second, sandbox.arrived(2))
            assert_refused_share(
                second.result(), "You already have 1 snippet running; wait for it to finish."
            )
            sandbox.finish(0)
            assert (await first).status_code == 200

    run_on_a_loop(scenario)


def test_the_share_stays_below_what_the_sandbox_admits(
    settings: Settings, clock: FakeClock, loaded: sessionmaker[Session]
) -> None:
    """A sandbox that takes 2 jobs in all (1 running, 1 waiting): one learner gets 1."""
    small = HeldSandbox(pool_size=1, queue_size=1)
    app = create_app(settings, clock=clock, sandbox=small, password_hasher=FAST_HASHER)

    async def scenario() -> None:
        async with learner(app, "ada") as ada, learner(app, "bob") as bob:
            first = run(ada)
            await small.arrived(1)
            second = run(ada)
            assert await answered_before(second, small.arrived(2))
            assert second.result().status_code == 429
            theirs = run(bob)
            await small.arrived(2)
            small.finish_all()
            assert [(await first).status_code, (await theirs).status_code] == [200, 200]

    run_on_a_loop(scenario)


ONE_PROBLEM = builders.challenge("one-shape", problems=(builders.shape_problem(),))


async def finished_run_page(client: httpx.AsyncClient) -> tuple[str, str]:
    """A run of a one-problem set, answered right (the run is over): its page URL and token."""
    started = await client.post(f"/api/challenges/{ONE_PROBLEM.slug}/runs", json={})
    url = f"/runs/{started.json()['run_id']}/problems/1"
    answer = await client.post(f"/api{url}/answer", json={"answer": "(2, 3, 5)"})
    assert answer.json()["correct"] is True
    return url, csrf((await client.get(url)).text)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_run_it_on_a_problem_page_shares_the_same_slots(
    app: FastAPI,
    sandbox: HeldSandbox,
    loaded: sessionmaker[Session],
    clock: FakeClock,
    htmx: bool,
) -> None:
    save_sets(loaded, clock, ONE_PROBLEM)
    headers = HX if htmx else {}

    async def scenario() -> None:
        async with learner(app, "ada") as ada:
            url, token = await finished_run_page(ada)

            def run_it() -> asyncio.Task[httpx.Response]:
                form = {"code": SPIN, "csrf_token": token}
                return asyncio.create_task(ada.post(url + "/run", data=form, headers=headers))

            held = [run_it(), run(ada)]  # one from the page, one from the API
            await sandbox.arrived(2)
            third = run_it()
            assert await answered_before(third, sandbox.arrived(3)), "a third job ran"
            refused = third.result()
            assert refused.status_code == 429
            assert int(refused.headers["Retry-After"]) >= 1
            assert REFUSED in text(refused.text)
            sandbox.finish(0)
            sandbox.finish(1)
            assert [(await task).status_code for task in held] == [200, 200]

    run_on_a_loop(scenario)
