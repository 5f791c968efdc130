"""The learner's own things: earned badges, progress."""

from __future__ import annotations

from fastapi import APIRouter

from app.services import awards, progress
from app.web.api.progress_schemas import ProgressOut
from app.web.api.schemas import AwardOut
from app.web.deps import SignedIn

router = APIRouter(prefix="/me", tags=["me"])


@router.get("/badges")
async def badges(me: SignedIn) -> list[AwardOut]:
    return [AwardOut.of(award) for award in await me.call(awards.list_awards, me.learner_id)]


@router.get("/progress", responses={401: {"description": "Not signed in"}})
async def my_progress(me: SignedIn) -> ProgressOut:
    """Per topic, badges held and sets left; per pattern, flashcards due; what to take next."""
    return ProgressOut.of(await me.ask(progress.learner_progress))
