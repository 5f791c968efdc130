"""Every award: the page (/admin/awards), its CSV, and GET /api/admin/awards (CONTRACT §3)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from app.services import admin_awards, admin_dashboard
from app.services.admin_awards import AwardSort
from app.web.admin.params import ApiAwardQueryDep, AwardQueryDep
from app.web.admin.schemas import AwardPageOut
from app.web.deps import AdminLearner, ClockDep, DatabaseDep
from app.web.templating import render

pages = APIRouter()
api = APIRouter()


@pages.get("/awards")
async def awards(request: Request, db: DatabaseDep, query: AwardQueryDep) -> HTMLResponse:
    screen = await db.call_aside(admin_dashboard.awards_screen, query)
    return render(
        request, "admin/awards.html", {"screen": screen, "query": query, "sorts": AwardSort}
    )


@pages.get("/awards.csv")
async def awards_csv(
    db: DatabaseDep, clock: ClockDep, admin: AdminLearner, query: AwardQueryDep
) -> StreamingResponse:
    records = await db.call_aside(
        admin_awards.export_awards, clock=clock, actor_id=admin.id, query=query
    )
    filename = f"awards-{clock():%Y%m%d-%H%M}.csv"
    return StreamingResponse(
        admin_awards.csv_lines(records),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@api.get("/awards")
async def awards_json(db: DatabaseDep, query: ApiAwardQueryDep) -> AwardPageOut:
    """Every award, newest first (1000 a page; follow `page` while `page < pages`)."""
    return AwardPageOut.model_validate(await db.call_aside(admin_awards.list_awards, query))
