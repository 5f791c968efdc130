"""The learner's earned badges."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.services import awards
from app.web.deps import LearnerId, Run, SessionsDep
from app.web.templating import render

router = APIRouter()


@router.get("/me/badges")
async def my_badges(
    request: Request, sessions: SessionsDep, learner: LearnerId, run: Run
) -> HTMLResponse:
    earned = await run(awards.list_awards, sessions, learner)
    return render(request, "badges.html", {"awards": earned})
