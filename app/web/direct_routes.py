"""Direct routes: the hottest JSON endpoints, called before FastAPI's router.

Taking a run is what learners do all day, one problem view and one answer after
another. Through FastAPI, such a request spends longer in the framework than in the
service: its middleware, a router that matches included routers level by level,
dependency solving, and the code of all of these crowding the CPU's caches (answering
ran at 22% of a bare endpoint's throughput in bench/web.py).

A direct route is an ordinary FastAPI route, declared and documented at /docs like
any other, whose endpoint takes only the `Request`. This middleware sits inside the
session and CSRF middleware, so both apply as before; it matches each direct route's
path and method first and calls its endpoint itself. The endpoint's user errors and
unreadable bodies become the responses FastAPI would give (the same handlers, from
app.web.errors); anything else goes on to the server-error handler, as from a route.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from re import Pattern
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.convertors import Convertor
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from app.domain.errors import UserError
from app.web import errors
from app.web.security import route_path

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class DirectRoute:
    path: str  # as the app serves it, with its prefix: "/api/runs/{run_id}"
    methods: Collection[str]
    endpoint: Endpoint

    def __post_init__(self) -> None:
        parameters = list(inspect.signature(self.endpoint).parameters.values())
        if len(parameters) != 1 or parameters[0].annotation not in (Request, "Request"):
            name = getattr(self.endpoint, "__qualname__", repr(self.endpoint))
            raise TypeError(f"a direct route's endpoint takes only the request: {name}")


@dataclass(frozen=True)
class _Compiled:
    methods: frozenset[str]
    regex: Pattern[str]
    convertors: dict[str, Convertor[Any]]
    endpoint: Endpoint

    @classmethod
    def of(cls, route: DirectRoute) -> _Compiled:
        regex, _, convertors = compile_path(route.path)
        return cls(frozenset(m.upper() for m in route.methods), regex, convertors, route.endpoint)

    def path_params(self, scope: Scope) -> dict[str, Any] | None:
        if scope["method"] not in self.methods:
            return None
        found = self.regex.match(route_path(scope))
        if found is None:
            return None
        return {k: self.convertors[k].convert(v) for k, v in found.groupdict().items()}


class DirectRoutes:
    def __init__(self, app: ASGIApp, routes: Sequence[DirectRoute]) -> None:
        self.app = app
        self._routes = [_Compiled.of(route) for route in routes]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route in self._routes:
                params = route.path_params(scope)
                if params is not None:
                    scope["path_params"] = params
                    await _respond(route.endpoint, Request(scope, receive), send)
                    return
        await self.app(scope, receive, send)


async def _respond(endpoint: Endpoint, request: Request, send: Send) -> None:
    try:
        response = await endpoint(request)
    except UserError as error:
        response = await errors.user_error(request, error)
    except RequestValidationError as error:
        response = await errors.invalid_request(request, error)
    await response(request.scope, request.receive, send)
