"""A challenge's intro page, and starting a run from it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.domain.challenge import SetKind
from app.domain.errors import RetakeTooSoon, RunOpen
from app.services import catalog, runs
from app.web.deps import SignedIn, Visitor
from app.web.templating import render

router = APIRouter()


@router.get("/challenges/{slug}")
async def intro(request: Request, slug: str, visit: Visitor) -> Response:
    entry = await visit.ask(catalog.get_set, slug)
    if entry.kind is SetKind.PATTERN:
        return RedirectResponse(f"/patterns/{slug}", status_code=303)
    return render(request, "intro.html", {"entry": entry, "set": entry.challenge_set})


@router.post("/challenges/{slug}/runs")
async def start(request: Request, slug: str, me: SignedIn) -> Response:
    """A new run; an open run of the set is continued instead, and a retake that must
    still wait shows the intro page with the time it opens (429, with Retry-After)."""
    try:
        started = await me.ask(runs.start_run, slug=slug)
    except RunOpen as error:
        if error.run_id is None:
            raise
        return RedirectResponse(f"/runs/{error.run_id}", status_code=303)
    except RetakeTooSoon as error:
        entry = await me.ask(catalog.get_set, slug)
        context = {"entry": entry, "set": entry.challenge_set, "notice": error.message}
        headers = {"Retry-After": str(error.retry_after)}
        return render(request, "intro.html", context, status_code=429, headers=headers)
    return RedirectResponse(f"/runs/{started.run_id}/problems/1", status_code=303)
