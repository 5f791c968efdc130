"""Analytics: every set at a glance, then one set problem by problem."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.services import analytics
from app.web.admin import figures
from app.web.admin.params import ScopeDep
from app.web.admin.schemas import SetStatsOut
from app.web.deps import ClockDep, DatabaseDep
from app.web.templating import render

pages = APIRouter()
api = APIRouter()


@pages.get("/analytics")
async def overview(request: Request, db: DatabaseDep, clock: ClockDep) -> HTMLResponse:
    sets = await db.call_aside(analytics.overview, clock=clock)
    return render(request, "admin/analytics.html", {"sets": sets, "figures": figures})


@pages.get("/analytics/{slug}")
async def one_set(
    request: Request, slug: str, db: DatabaseDep, clock: ClockDep, scope: ScopeDep
) -> HTMLResponse:
    stats = await db.call_aside(analytics.set_stats, clock=clock, slug=slug, scope=scope)
    return render(request, "admin/analytics_set.html", {"stats": stats, "figures": figures})


@api.get("/analytics")
async def overview_json(db: DatabaseDep, clock: ClockDep) -> list[SetStatsOut]:
    sets = await db.call_aside(analytics.overview, clock=clock)
    return [SetStatsOut.model_validate(s) for s in sets]


@api.get("/analytics/{slug}")
async def one_set_json(slug: str, db: DatabaseDep, clock: ClockDep, scope: ScopeDep) -> SetStatsOut:
    stats = await db.call_aside(analytics.set_stats, clock=clock, slug=slug, scope=scope)
    return SetStatsOut.model_validate(stats)
