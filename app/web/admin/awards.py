"""Every award: the page (/admin/awards), its CSV, and GET /api/admin/awards (CONTRACT §3)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from app.services import admin_awards, admin_dashboard
from app.services.admin_awards import AwardSort
from app.web.admin.params import ApiAwardQueryDep, AwardQueryDep
from app.web.admin.schemas import AwardPageOut
from app.web.deps import AdminLearner, ClockDep, SessionsDep
from app.web.templating import render

pages = APIRouter()
api = APIRouter()


@pages.get("/awards")
def awards(request: Request, sessions: SessionsDep, query: AwardQueryDep) -> HTMLResponse:
    screen = admin_dashboard.awards_screen(sessions, query)
    return render(
        request, "admin/awards.html", {"screen": screen, "query": query, "sorts": AwardSort}
    )


@pages.get("/awards.csv")
def awards_csv(
    sessions: SessionsDep, clock: ClockDep, admin: AdminLearner, query: AwardQueryDep
) -> StreamingResponse:
    records = admin_awards.export_awards(sessions, clock=clock, actor_id=admin.id, query=query)
    filename = f"awards-{clock():%Y%m%d-%H%M}.csv"
    return StreamingResponse(
        admin_awards.csv_lines(records),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@api.get("/awards")
def awards_json(sessions: SessionsDep, query: ApiAwardQueryDep) -> AwardPageOut:
    """Every award, newest first (1000 a page; follow `page` while `page < pages`)."""
    return AwardPageOut.of(admin_awards.list_awards(sessions, query))
