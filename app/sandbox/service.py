"""The sandbox as an HTTP service for app hosts (`quiz sandbox serve`, CONTRACT §2).

    POST /run      {code, shape_of?, device?, wall_seconds?, collect_shapes?}  (SnippetJob)
        200  the SnippetResult, the fields of `quiz run-snippet --json`
        400  {"error": "rejected", "detail"}      the job is not acceptable; nothing ran
        401  {"error": "unauthorized", "detail"}  no or wrong bearer token
        413  {"error": "too_large", "detail"}     the body is over MAX_BODY bytes
        503  {"error": "busy", "detail"} + Retry-After         every slot and the queue full
        503  {"error": "unavailable", "detail"} + Retry-After  the sandbox itself is down
    GET /healthz
        200  {"status": "ok", "pool_size", "queue_size", "in_flight"}; 503 when not serving

Every request carries `Authorization: Bearer <QUIZ_SANDBOX_TOKEN>`, compared in constant
time, before anything else is read; only a service bound to loopback may run without a
token (the CLI refuses to start otherwise). The limits and statuses are the in-process
sandbox's: `Sandbox.run_async` admits `pool_size` jobs at once and `queue_size` waiting.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.sandbox.client import Sandbox, SnippetRejected
from app.sandbox.errors import SandboxBusy, SandboxError
from app.sandbox.protocol import JOB_MAX, SnippetJob

MAX_BODY = JOB_MAX
BUSY_RETRY_SECONDS = 2
DOWN_RETRY_SECONDS = 5
_JOB_TYPES: dict[str, tuple[type, ...]] = {
    "code": (str,),
    "shape_of": (str, type(None)),
    "device": (str, type(None)),
    "wall_seconds": (int, float, type(None)),
    "collect_shapes": (bool,),
}


class _Refused(Exception):
    def __init__(
        self, status: int, error: str, detail: str, retry_after: int | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail, self.retry_after = status, error, detail, retry_after

    def response(self) -> JSONResponse:
        headers = {}
        if self.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        body = {"error": self.error, "detail": self.detail}
        return JSONResponse(body, status_code=self.status, headers=headers)


def service_app(sandbox: Sandbox, *, token: str | None) -> Starlette:
    """The ASGI app over a started `sandbox`. token None: no token asked (loopback only)."""
    expected = None if token is None else token.encode()

    def authorize(request: Request) -> None:
        if expected is None:
            return
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented:
            raise _Refused(401, "unauthorized", "a bearer token (QUIZ_SANDBOX_TOKEN) is required")
        if not hmac.compare_digest(presented.strip().encode(), expected):
            raise _Refused(401, "unauthorized", "wrong token (QUIZ_SANDBOX_TOKEN differs)")

    async def run(request: Request) -> JSONResponse:
        try:
            authorize(request)
            job = _job_of(await _body(request))
            result = await sandbox.run_async(job)
        except _Refused as refused:
            return refused.response()
        except SnippetRejected as rejected:
            return _Refused(400, "rejected", str(rejected)).response()
        except SandboxBusy as busy:
            return _Refused(503, "busy", str(busy), BUSY_RETRY_SECONDS).response()
        except SandboxError as down:
            return _Refused(503, "unavailable", str(down), DOWN_RETRY_SECONDS).response()
        return JSONResponse(result.to_dict())

    async def healthz(request: Request) -> JSONResponse:
        try:
            authorize(request)
        except _Refused as refused:
            return refused.response()
        if not sandbox.serving:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse(
            {
                "status": "ok",
                "pool_size": sandbox.pool_size,
                "queue_size": sandbox.queue_size,
                "in_flight": sandbox.in_flight,
            }
        )

    return Starlette(
        routes=[Route("/run", run, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])]
    )


async def _body(request: Request) -> bytes:
    """The body, refused unread past MAX_BODY bytes (a declared length is trusted to refuse)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _Refused(413, "too_large", f"the job is over {MAX_BODY} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise _Refused(413, "too_large", f"the job is over {MAX_BODY} bytes")
    return bytes(body)


def _job_of(body: bytes) -> SnippetJob:
    try:
        data: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _Refused(400, "rejected", "the body must be one JSON object (a job)") from None
    if not isinstance(data, dict):
        raise _Refused(400, "rejected", "the body must be one JSON object (a job)")
    if "code" not in data:
        raise _Refused(400, "rejected", "the job has no `code`")
    for name, types in _JOB_TYPES.items():
        if name in data and not isinstance(data[name], types):
            raise _Refused(400, "rejected", f"`{name}` has the wrong type")
    if isinstance(data.get("wall_seconds"), bool):
        raise _Refused(400, "rejected", "`wall_seconds` has the wrong type")
    return SnippetJob.from_dict(data)
