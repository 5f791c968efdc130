"""`RemoteSandbox` against stand-in services on loopback (real sockets, no sandbox): which
service a job goes to, and what it says when none takes it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.sandbox.client import SnippetRejected
from app.sandbox.errors import SandboxBusy, SandboxUnavailable
from app.sandbox.protocol import SnippetJob
from app.sandbox.remote import RemoteSandbox
from tests.live_server import LiveServer, free_port

JOB = SnippetJob(code="print(1)")


class StandIn:
    """A service that answers every job the same way and counts them."""

    def __init__(self, status: int, body: dict[str, object]) -> None:
        self.status, self.body, self.jobs, self.tokens = status, body, 0, []

    def app(self) -> Starlette:
        async def run(request: Request) -> JSONResponse:
            self.jobs += 1
            self.tokens.append(request.headers.get("authorization"))
            return JSONResponse(self.body, status_code=self.status, headers={"Retry-After": "1"})

        return Starlette(routes=[Route("/run", run, methods=["POST"])])


def ok(name: str) -> StandIn:
    return StandIn(200, {"status": "ok", "stdout": name})


BUSY = {"error": "busy", "detail": "the sandbox is busy"}


@pytest.fixture
def serve() -> Iterator[list[LiveServer]]:
    started: list[LiveServer] = []
    yield started
    for server in started:
        server.__exit__(None, None, None)


def up(serve: list[LiveServer], service: StandIn) -> str:
    server = LiveServer(service.app()).__enter__()  # type: ignore[arg-type]
    serve.append(server)
    return server.url


def test_jobs_take_turns_over_services_that_are_equally_free(serve: list[LiveServer]) -> None:
    a, b = ok("a"), ok("b")
    remote = RemoteSandbox([up(serve, a), up(serve, b)], "t" * 40)
    outputs = [remote.run(JOB).stdout for _ in range(6)]
    assert sorted(outputs) == ["a", "a", "a", "b", "b", "b"]
    assert a.tokens[0] == "Bearer " + "t" * 40


def test_a_full_service_is_skipped_for_the_next(serve: list[LiveServer]) -> None:
    full, free = StandIn(503, BUSY), ok("free")
    remote = RemoteSandbox([up(serve, full), up(serve, free)], None)
    for _ in range(4):
        assert asyncio.run(remote.run_async(JOB)).stdout == "free"
    assert free.jobs == 4


def test_every_service_full_is_busy_and_none_answering_is_unavailable(
    serve: list[LiveServer],
) -> None:
    remote = RemoteSandbox([up(serve, StandIn(503, BUSY)), up(serve, StandIn(503, BUSY))], None)
    with pytest.raises(SandboxBusy):
        asyncio.run(remote.run_async(JOB))
    dead = RemoteSandbox(
        [f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"], None
    )
    with pytest.raises(SandboxUnavailable) as unavailable:
        asyncio.run(dead.run_async(JOB))
    assert "127.0.0.1" not in str(unavailable.value)  # learners see no internal address


def test_a_refused_job_is_not_sent_elsewhere(serve: list[LiveServer]) -> None:
    refusing = StandIn(400, {"error": "rejected", "detail": "the snippet is 70000 bytes"})
    other = ok("other")
    remote = RemoteSandbox([up(serve, refusing), up(serve, other)], None)
    outcomes = [_outcome(remote) for _ in range(2)]
    assert sorted(outcomes) == ["other", "rejected: the snippet is 70000 bytes"]
    assert refusing.jobs == 1
    assert other.jobs == 1


def _outcome(remote: RemoteSandbox) -> str:
    try:
        return remote.run(JOB).stdout
    except SnippetRejected as rejected:
        return f"rejected: {rejected}"


def test_a_service_answering_nonsense_is_skipped(serve: list[LiveServer]) -> None:
    broken, good = StandIn(200, {"status": "exploded"}), ok("good")
    remote = RemoteSandbox([up(serve, broken), up(serve, good)], None)
    outcomes = []
    for _ in range(4):
        try:
            outcomes.append(remote.run(JOB).stdout)
        except SandboxUnavailable:  # it ran there (maybe): not sent again
            outcomes.append("unavailable")
    assert outcomes.count("unavailable") == 1 == broken.jobs  # then tried last while down
    assert good.jobs == 3
