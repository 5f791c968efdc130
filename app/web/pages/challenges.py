"""A challenge's intro page, and starting a run from it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.domain.challenge import SetKind
from app.domain.errors import RetakeTooSoon, RunOpen
from app.services import catalog, runs
from app.web.deps import LearnerCall, SignedIn, Visitor, signed_in
from app.web.direct_routes import DirectRoute
from app.web.security import verify_form_csrf
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
    return await _start(request, me, slug)


async def start_direct(request: Request) -> Response:
    """`start`, served before FastAPI's router (app.web.direct_routes): at an exam's
    start every learner sends it at once. The route's checks in its order: the form's
    CSRF token (the pages' router dependency), then signed in."""
    await verify_form_csrf(request)
    return await _start(request, signed_in(request), request.path_params["slug"])


def direct_routes() -> list[DirectRoute]:
    return [DirectRoute("/challenges/{slug}/runs", {"POST"}, start_direct)]


async def _start(request: Request, me: LearnerCall, slug: str) -> Response:
    """A new run, on to its first problem; an open run of the set is continued instead,
    and a retake that must still wait shows the intro page with the time it opens (429,
    with Retry-After)."""
    try:
        run_id = await me.ask(runs.begin_run, slug=slug)
    except RunOpen as error:
        if error.run_id is None:
            raise
        return RedirectResponse(f"/runs/{error.run_id}", status_code=303)
    except RetakeTooSoon as error:
        entry = await me.ask(catalog.get_set, slug)
        context = {"entry": entry, "set": entry.challenge_set, "notice": error.message}
        headers = {"Retry-After": str(error.retry_after)}
        return render(request, "intro.html", context, status_code=429, headers=headers)
    return RedirectResponse(f"/runs/{run_id}/problems/1", status_code=303)
