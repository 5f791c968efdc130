"""Everything under /api; the API's CSRF rule covers it as a middleware (app.web.security).

Each module's router is included into the app directly, runs first: this FastAPI
matches nested routers level by level, and the answer path is the hottest route.
Viewing, answering and hints are also served as direct routes (app.web.direct_routes).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from app.web.api import auth, challenges, me, passwords, playground, runs
from app.web.direct_routes import DirectRoute

PREFIX = "/api"
MODULES = (runs, auth, passwords, challenges, me, playground)


def include(app: FastAPI) -> None:
    for module in MODULES:
        router: APIRouter = module.router
        app.include_router(router, prefix=PREFIX)


def direct_routes() -> list[DirectRoute]:
    return [
        DirectRoute(PREFIX + route.path, route.methods or {"GET"}, route.endpoint)
        for route in runs.router.routes
        if isinstance(route, APIRoute) and route.endpoint in runs.DIRECT
    ]
