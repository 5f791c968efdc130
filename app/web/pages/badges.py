"""The learner's earned badges."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.services import awards
from app.web.deps import SignedIn
from app.web.templating import render

router = APIRouter()


@router.get("/me/badges")
async def my_badges(request: Request, me: SignedIn) -> HTMLResponse:
    earned = await me.call(awards.list_awards, me.learner_id)
    return render(request, "badges.html", {"awards": earned})
