"""The catalog page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.domain.challenge import SetKind
from app.services import catalog
from app.web.deps import ClockDep, OptionalLearnerId, Run, SessionsDep
from app.web.templating import render

router = APIRouter()


@router.get("/")
async def home(
    request: Request, sessions: SessionsDep, clock: ClockDep, learner: OptionalLearnerId, run: Run
) -> HTMLResponse:
    entries = await run(catalog.list_sets, sessions, learner, clock=clock)
    return render(
        request,
        "catalog.html",
        {
            "challenges": [e for e in entries if e.kind is SetKind.CHALLENGE],
            "patterns": [e for e in entries if e.kind is SetKind.PATTERN],
        },
    )
