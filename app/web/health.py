"""`/healthz`: 200 while the app and its database answer."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.web.deps import DatabaseDep

router = APIRouter()


@router.get("/healthz", tags=["health"])
async def healthz(db: DatabaseDep) -> JSONResponse:
    # A trivial query: inline on SQLite; off the loop elsewhere (a pool checkout and a
    # round trip, or a connect timeout while the database is away).
    if not await db.offload(db.answers):
        return JSONResponse({"status": "database unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})
