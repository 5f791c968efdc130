"""Analytics: every set at a glance, then one set problem by problem."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.services import analytics
from app.web.admin import figures
from app.web.admin.params import ScopeDep
from app.web.admin.schemas import SetStatsOut
from app.web.deps import ClockDep, SessionsDep
from app.web.templating import render

pages = APIRouter()
api = APIRouter()


@pages.get("/analytics")
def overview(request: Request, sessions: SessionsDep, clock: ClockDep) -> HTMLResponse:
    sets = analytics.overview(sessions, clock=clock)
    return render(request, "admin/analytics.html", {"sets": sets, "figures": figures})


@pages.get("/analytics/{slug}")
def one_set(
    request: Request, slug: str, sessions: SessionsDep, clock: ClockDep, scope: ScopeDep
) -> HTMLResponse:
    stats = analytics.set_stats(sessions, clock=clock, slug=slug, scope=scope)
    return render(request, "admin/analytics_set.html", {"stats": stats, "figures": figures})


@api.get("/analytics")
def overview_json(sessions: SessionsDep, clock: ClockDep) -> list[SetStatsOut]:
    return [SetStatsOut.model_validate(s) for s in analytics.overview(sessions, clock=clock)]


@api.get("/analytics/{slug}")
def one_set_json(slug: str, sessions: SessionsDep, clock: ClockDep, scope: ScopeDep) -> SetStatsOut:
    stats = analytics.set_stats(sessions, clock=clock, slug=slug, scope=scope)
    return SetStatsOut.model_validate(stats)
