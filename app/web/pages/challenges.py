"""A challenge's intro page, and starting a run from it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.domain.challenge import SetKind
from app.services import catalog, runs
from app.web.deps import ClockDep, LearnerId, OptionalLearnerId, Run, SessionsDep
from app.web.templating import render

router = APIRouter()


@router.get("/challenges/{slug}")
async def intro(
    request: Request, slug: str, sessions: SessionsDep, learner: OptionalLearnerId, run: Run
) -> Response:
    entry = await run(catalog.get_set, sessions, slug, learner)
    if entry.kind is SetKind.PATTERN:
        return RedirectResponse(f"/patterns/{slug}", status_code=303)
    return render(request, "intro.html", {"entry": entry, "set": entry.challenge_set})


@router.post("/challenges/{slug}/runs")
async def start(
    slug: str, sessions: SessionsDep, clock: ClockDep, learner: LearnerId, run: Run
) -> RedirectResponse:
    started = await run(runs.start_run, sessions, clock=clock, learner_id=learner, slug=slug)
    return RedirectResponse(f"/runs/{started.run_id}/problems/1", status_code=303)
