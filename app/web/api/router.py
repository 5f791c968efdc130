"""Everything under /api; the API's CSRF rule covers it as a middleware (app.web.security).

Each module's router is included into the app directly, runs first: this FastAPI
matches nested routers level by level, and the answer path is the hottest route.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from app.web.api import auth, challenges, me, playground, runs

MODULES = (runs, auth, challenges, me, playground)


def include(app: FastAPI) -> None:
    for module in MODULES:
        router: APIRouter = module.router
        app.include_router(router, prefix="/api")
