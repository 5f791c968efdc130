"""The audit log: every admin action, newest first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.services import audit
from app.web.admin.params import parse_int
from app.web.admin.schemas import AuditPageOut
from app.web.deps import DatabaseDep
from app.web.templating import render

pages = APIRouter()
api = APIRouter()


@pages.get("/audit")
async def audit_log(
    request: Request, db: DatabaseDep, page: str | None = None, action: str | None = None
) -> HTMLResponse:
    number = parse_int(page, "page", default=1, low=1, high=1_000_000)
    log = await db.call_aside(audit.entries, page=number, action=action or None)
    return render(
        request, "admin/audit.html", {"log": log, "action": action or "", "actions": audit.Action}
    )


@api.get("/audit")
async def audit_json(
    db: DatabaseDep, page: str | None = None, action: str | None = None
) -> AuditPageOut:
    number = parse_int(page, "page", default=1, low=1, high=1_000_000)
    log = await db.call_aside(audit.entries, page=number, per_page=500, action=action or None)
    return AuditPageOut.model_validate(log)
