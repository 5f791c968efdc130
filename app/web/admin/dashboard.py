"""/admin: the front page for admins."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.services import admin_dashboard
from app.web.admin import figures
from app.web.deps import ClockDep, DatabaseDep
from app.web.templating import render

pages = APIRouter()
api = APIRouter()


@pages.get("")
async def dashboard(request: Request, db: DatabaseDep, clock: ClockDep) -> HTMLResponse:
    board = await db.call_aside(admin_dashboard.dashboard, clock=clock)
    return render(request, "admin/dashboard.html", {"board": board, "figures": figures})
