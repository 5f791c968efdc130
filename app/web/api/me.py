"""The learner's own things: earned badges."""

from __future__ import annotations

from fastapi import APIRouter

from app.services import awards
from app.web.api.schemas import AwardOut
from app.web.deps import LearnerId, Run, SessionsDep

router = APIRouter(prefix="/me", tags=["me"])


@router.get("/badges")
async def badges(sessions: SessionsDep, learner: LearnerId, run: Run) -> list[AwardOut]:
    return [AwardOut.of(award) for award in await run(awards.list_awards, sessions, learner)]
