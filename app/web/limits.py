"""Request size limits, enforced before anything reads or parses a body.

A body larger than its limit is refused with 413: 64 KiB under /api (JSON: the largest
real body is a playground snippet of 20,000 characters), 1 MiB elsewhere (forms, and
the one file upload, a badge credential). A declared Content-Length over the limit is
refused unread; a body without one (chunked) is counted as it streams, and refused the
moment it passes the limit. The server (uvicorn) then discards the rest of it without
buffering, and the connection serves the next request.

A multipart form is refused (415) on every route that takes no file: parsing one spools
its parts to disk, and only the routes listed by `routes_taking_files` need it.

Pure ASGI and outermost but for the security headers: the CSRF check's form parse, the
direct routes and FastAPI's body reading all run inside it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from re import Pattern

from fastapi import FastAPI, params
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.security import SAFE_METHODS, route_path

KIB = 1024
API_LIMIT = 64 * KIB
FORM_LIMIT = 1024 * KIB


class _TooLarge(Exception):
    """Raised into the app by `receive` once a streamed body passes its limit."""


def routes_taking_files(app: FastAPI) -> list[Pattern[str]]:
    """The path patterns of the routes with a File/UploadFile parameter."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path and _takes_files(route):
            found.append(compile_path(context.path)[0])
    return found


def _takes_files(route: APIRoute) -> bool:
    return any(isinstance(f.field_info, params.File) for f in route.dependant.body_params)


class RequestLimits:
    def __init__(
        self,
        app: ASGIApp,
        *,
        file_routes: Iterable[Pattern[str]] = (),
        api_limit: int = API_LIMIT,
        form_limit: int = FORM_LIMIT,
    ) -> None:
        self.app = app
        self.file_routes = tuple(file_routes)
        self.api_limit = api_limit
        self.form_limit = form_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        is_api = path.startswith("/api/")
        limit = self.api_limit if is_api else self.form_limit
        declared, chunked, multipart = _body_headers(scope["headers"])
        if declared is not None and declared > limit:
            await _refuse(send, is_api, 413, _too_large(limit))
            return
        if multipart and scope["method"] not in SAFE_METHODS and not self._takes_files(path):
            await _refuse(send, is_api, 415, "This form takes no files; send it without any.")
            return
        if not chunked:  # no body, or exactly the declared length: the server enforces it
            await self.app(scope, receive, send)
            return
        await self._counting(scope, receive, send, limit, is_api)

    def _takes_files(self, path: str) -> bool:
        return any(pattern.match(path) for pattern in self.file_routes)

    async def _counting(
        self, scope: Scope, receive: Receive, send: Send, limit: int, is_api: bool
    ) -> None:
        received = 0
        over = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, over
            if over:
                raise _TooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # what the app made of the refused body; the 413 goes instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            # However the app wrapped _TooLarge (FastAPI makes it a 400), it was the cause.
            if not over or started:
                raise
        if over and not started:
            await _refuse(send, is_api, 413, _too_large(limit))


def _body_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[int | None, bool, bool]:
    """The declared Content-Length (None if absent), whether the body streams without one
    (Transfer-Encoding), and whether it is multipart. Without either header, HTTP/1.1
    has no body."""
    declared: int | None = None
    chunked = multipart = False
    for name, value in headers:
        if name == b"content-length":
            declared = int(value) if value.isdigit() else None
        elif name == b"transfer-encoding":
            chunked = True
        elif name == b"content-type":
            multipart = value[:10].lower() == b"multipart/"
    return declared, chunked and declared is None, multipart


def _too_large(limit: int) -> str:
    size = f"{limit // (KIB * KIB)} MiB" if limit % (KIB * KIB) == 0 else f"{limit // KIB} KiB"
    return f"This request is too large: at most {size} is accepted here."


_ERRORS = {413: "PayloadTooLarge", 415: "UnsupportedMediaType"}
_TITLES = {413: "Too large", 415: "Not accepted"}
_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<title>{title} · torch-quiz</title><link rel="stylesheet" href="/static/app.css"></head>'
    '<body><main id="main" class="wrap"><section class="card narrow center">'
    '<p class="eyebrow">Error {status}</p><h1>{title}</h1><p class="lead">{message}</p>'
    '<p><a class="button" href="/">Back to the catalog</a></p></section></main></body></html>'
)


async def _refuse(send: Send, is_api: bool, status: int, message: str) -> None:
    """A plain answer, made without the app: nothing of the request is read or echoed."""
    if is_api:
        body = json.dumps({"detail": message, "error": _ERRORS[status]}).encode()
        media = b"application/json"
    else:
        body = _PAGE.format(status=status, title=_TITLES[status], message=message).encode()
        media = b"text/html; charset=utf-8"
    headers = [(b"content-type", media), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
