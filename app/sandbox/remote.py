"""`RemoteSandbox`: the app's sandbox when snippets run on sandbox services (QUIZ_SANDBOX_URL).

It has what the app uses of `client.Sandbox` (`run`, `run_async`, `pool_size`, `close`)
and posts each job to one of the services (`app.sandbox.service`): the one this process
has the fewest jobs on, round robin among equals. A service that refuses the connection,
does not connect within `connect_timeout`, is down or is full is skipped for the next;
one that is down or unreachable is tried last for `down_for` seconds. When none takes
the job: SandboxBusy if any was only full, else SandboxUnavailable.

A job is sent at most once past connecting: a service that fails while running it
gives SandboxUnavailable rather than the job running twice.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from app.sandbox.client import SnippetRejected
from app.sandbox.errors import SandboxBusy, SandboxError, SandboxUnavailable
from app.sandbox.protocol import ProtocolError, SnippetJob, SnippetResult

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 1.0
DOWN_FOR = 5.0
# Past the job's own wall clock: the time it may wait in the service's queue.
QUEUE_WAIT = 60.0
DEFAULT_WALL = 10.0  # when the job names none (the service's own is shorter)
BUSY_WAIT = 120.0  # how long `run` (not `run_async`) waits while every service is full
# Far above any result (two capped streams, JSON-escaped, and the result frame's fields).
RESPONSE_MAX = 4 * 1024 * 1024
NONE_ANSWERED = "no sandbox service answered; try again in a moment"
ALL_BUSY = "every sandbox service is busy; try again in a moment"


@dataclass(eq=False)
class _Service:
    url: str
    in_flight: int = 0
    down_until: float = 0.0


@dataclass(frozen=True)
class _Next:
    """This service did not take the job; try the next one."""

    reason: str
    busy: bool = False
    retry_after: float = 0.0


class RemoteSandbox:
    """Snippets run on sandbox services; `urls` as QUIZ_SANDBOX_URL lists them."""

    def __init__(
        self,
        urls: Sequence[str],
        token: str | None,
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        down_for: float = DOWN_FOR,
        per_service: int = 2,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not urls:
            raise ValueError("at least one sandbox service URL is needed")
        self._services = [_Service(url.rstrip("/")) for url in urls]
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._connect_timeout = connect_timeout
        self._down_for = down_for
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._turn = 0
        # How many jobs `quiz check` sends at once (Checker's `parallel`).
        self.pool_size = per_service * len(urls)

    @property
    def urls(self) -> list[str]:
        return [service.url for service in self._services]

    def start(self) -> None:
        """Nothing to start: services are asked per job (`healthy` says who answers now)."""

    def close(self) -> None:
        """Nothing held between jobs: each opens its own connection."""

    def __enter__(self) -> RemoteSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def healthy(self) -> list[str]:
        """The services whose /healthz answers 200 now."""
        answered = []
        for service in self._services:
            try:
                response = httpx.get(
                    f"{service.url}/healthz",
                    headers=self._headers,
                    timeout=self._connect_timeout,
                    trust_env=False,
                )
            except httpx.HTTPError:
                continue
            if response.status_code == 200:
                answered.append(service.url)
        return answered

    # -- running jobs -----------------------------------------------------------

    def run(self, job: SnippetJob) -> SnippetResult:
        """Run one job; blocks, from any thread without an event loop of its own. While
        every service is full it waits (up to BUSY_WAIT), as `Sandbox.run` waits for a slot."""
        waited_until = self._monotonic() + BUSY_WAIT
        while True:
            try:
                return asyncio.run(self._run_once(job))
            except _AllBusy as busy:
                if self._monotonic() + busy.retry_after > waited_until:
                    raise SandboxBusy(ALL_BUSY) from None
                time.sleep(busy.retry_after)

    async def run_async(self, job: SnippetJob) -> SnippetResult:
        """`run` for the event loop: SandboxBusy at once when every service is full."""
        try:
            return await self._run_once(job)
        except _AllBusy:
            raise SandboxBusy(ALL_BUSY) from None

    async def _run_once(self, job: SnippetJob) -> SnippetResult:
        misses: list[_Next] = []
        # trust_env=False: no HTTP_PROXY/ALL_PROXY or .netrc from the host's environment;
        # jobs and the token go to the listed services and nowhere else.
        async with httpx.AsyncClient(headers=self._headers, trust_env=False) as client:
            for service in self._order():
                self._enter(service)
                try:
                    response = await _bounded_post(
                        client, f"{service.url}/run", job.to_dict(), self._timeout(job)
                    )
                except _TooLarge:
                    self._mark_down(service, f"answered more than {RESPONSE_MAX} bytes")
                    raise SandboxUnavailable(NONE_ANSWERED) from None  # it ran: not sent again
                except httpx.HTTPError as error:
                    outcome: SnippetResult | _Next = self._failed(service, error)
                else:
                    outcome = self._read(service, response.status_code, response)
                finally:
                    self._leave(service)
                if isinstance(outcome, SnippetResult):
                    return outcome
                misses.append(outcome)
        raise _none_took(misses)

    def _timeout(self, job: SnippetJob) -> httpx.Timeout:
        wall = DEFAULT_WALL if job.wall_seconds is None else job.wall_seconds
        return httpx.Timeout(wall + QUEUE_WAIT, connect=self._connect_timeout)

    def _order(self) -> list[_Service]:
        """Up services by fewest jobs from here, round robin among equals; then the down."""
        now = self._monotonic()
        with self._lock:
            self._turn = (self._turn + 1) % len(self._services)
            turned = self._services[self._turn :] + self._services[: self._turn]
            up = sorted((s for s in turned if s.down_until <= now), key=lambda s: s.in_flight)
            return up + [s for s in turned if s.down_until > now]

    def _enter(self, service: _Service) -> None:
        with self._lock:
            service.in_flight += 1

    def _leave(self, service: _Service) -> None:
        with self._lock:
            service.in_flight -= 1

    def _mark_down(self, service: _Service, reason: str) -> _Next:
        log.warning("sandbox service %s: %s", service.url, reason)
        with self._lock:
            service.down_until = self._monotonic() + self._down_for
        return _Next(reason)

    def _failed(self, service: _Service, error: httpx.HTTPError) -> _Next:
        if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
            return self._mark_down(service, f"cannot connect ({error.__class__.__name__})")
        # The job was sent: it may have run. Not sent again, lest it run twice.
        self._mark_down(service, f"failed during a job: {error.__class__.__name__}: {error}")
        if isinstance(error, httpx.TimeoutException):
            raise SandboxError("the sandbox service did not answer in time") from None
        raise SandboxUnavailable(NONE_ANSWERED) from None

    def _read(
        self, service: _Service, status: int, response: httpx.Response
    ) -> SnippetResult | _Next:
        body = _json_object(response)
        detail = str(body.get("detail", "")) if body else response.text[:200]
        if status == 200 and body is not None:
            try:
                return SnippetResult.from_dict(body)
            except (ProtocolError, TypeError) as error:
                self._mark_down(service, f"answered something else than a result: {error}")
                raise SandboxUnavailable(NONE_ANSWERED) from None  # it ran: not sent again
        if status == 400 and body is not None and body.get("error") == "rejected":
            raise SnippetRejected(detail)
        if status == 503 and (body is None or body.get("error") == "busy"):
            # Busy, or too many connections (uvicorn's own 503 has no JSON): not down.
            return _Next(f"busy: {detail}", busy=True, retry_after=_retry_after(response))
        if status == 401:
            return self._mark_down(service, f"refused our QUIZ_SANDBOX_TOKEN: {detail}")
        if status in (404, 405, 413) or status == 503:
            return self._mark_down(service, f"answered {status}: {detail}")
        # Anything else came after the job was read: it may have run. Not sent again.
        self._mark_down(service, f"answered {status} to a job: {detail}")
        raise SandboxUnavailable(NONE_ANSWERED)


class _TooLarge(Exception):
    pass


async def _bounded_post(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], timeout: httpx.Timeout
) -> httpx.Response:
    """POST, reading at most RESPONSE_MAX bytes of the answer (a service is not trusted
    with this process's memory: a job that took its host over could answer gigabytes)."""
    async with client.stream("POST", url, json=body, timeout=timeout) as response:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > RESPONSE_MAX:
            raise _TooLarge
        content = bytearray()
        async for chunk in response.aiter_bytes():
            content += chunk
            if len(content) > RESPONSE_MAX:
                raise _TooLarge
    kept = {
        k: v for k, v in response.headers.items() if k.lower() in ("content-type", "retry-after")
    }
    return httpx.Response(
        response.status_code, headers=kept, content=bytes(content), request=response.request
    )


class _AllBusy(SandboxBusy):
    def __init__(self, retry_after: float) -> None:
        super().__init__(ALL_BUSY)
        self.retry_after = retry_after


def _none_took(misses: list[_Next]) -> SandboxError:
    busy = [miss for miss in misses if miss.busy]
    if busy:
        return _AllBusy(min(miss.retry_after for miss in busy))
    return SandboxUnavailable(NONE_ANSWERED)


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(10.0, max(0.5, float(response.headers.get("retry-after", "2"))))
    except ValueError:
        return 2.0
