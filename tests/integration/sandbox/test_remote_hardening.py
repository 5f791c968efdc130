"""Review findings: a snippet whose result holds a lone surrogate (an exception message
built from one) breaks JSON rendering; on the sandbox service that 500 makes the app send
the same job to every other service (it runs N times)."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest

from app.sandbox.client import Sandbox
from app.sandbox.errors import SandboxUnavailable
from app.sandbox.protocol import SnippetJob
from app.sandbox.remote import RemoteSandbox
from app.sandbox.service import service_app
from tests.integration.sandbox.test_remote_client import StandIn, ok, serve, up  # noqa: F401
from tests.integration.sandbox.test_service import AUTH, TOKEN
from tests.live_server import LiveServer

SURROGATE = 'raise ValueError("m\\udc80")\n'


def test_a_result_with_a_lone_surrogate_is_still_answered(sandbox: Sandbox) -> None:
    with LiveServer(service_app(sandbox, token=TOKEN)) as server:  # type: ignore[arg-type]
        response = httpx.post(
            server.url + "/run", json={"code": SURROGATE}, headers=AUTH, timeout=30
        )
    assert response.status_code == 200, response.text[:200]
    assert response.json()["exception"] == "ValueError"


def test_a_job_is_not_sent_again_after_a_service_failed_while_running_it(
    serve: list,  # noqa: F811
) -> None:
    crashed = StandIn(500, {"detail": "Internal Server Error"})  # ran the job, then failed
    other = ok("other")
    remote = RemoteSandbox([up(serve, crashed), up(serve, other)], None)
    for _ in range(2):  # whichever comes first in the round robin
        crashed.jobs = other.jobs = 0
        with contextlib.suppress(SandboxUnavailable):
            asyncio.run(remote.run_async(SnippetJob(code="print(1)")))
        assert crashed.jobs + other.jobs == 1, "the job was sent to a second service"


def test_an_answer_larger_than_any_result_is_not_read_into_memory(
    serve: list,  # noqa: F811
) -> None:
    # A sandbox host taken over by a job could answer gigabytes to every app process.
    huge = StandIn(200, {"status": "ok", "stdout": "x" * (16 * 1024 * 1024)})
    remote = RemoteSandbox([up(serve, huge)], None)
    with pytest.raises(SandboxUnavailable):
        asyncio.run(remote.run_async(SnippetJob(code="print(1)")))
