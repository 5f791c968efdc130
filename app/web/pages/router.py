"""Every HTML page; the CSRF check runs on each form POST here (app.web.security)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.web.direct_routes import DirectRoute
from app.web.pages import (
    account,
    auth,
    badges,
    challenges,
    home,
    patterns,
    practice,
    progress,
    runs,
    tests,
)
from app.web.security import verify_form_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_form_csrf)])
for module in (home, auth, account, challenges, runs, badges, progress, patterns, practice, tests):
    router.include_router(module.router)


def direct_routes() -> list[DirectRoute]:
    """Pages served before FastAPI's router (app.web.direct_routes). The router's form
    CSRF check does not run for them: a direct POST calls `verify_form_csrf` itself."""
    return challenges.direct_routes() + runs.direct_routes()
