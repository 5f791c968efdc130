"""The learner's progress page and the "Review due cards" session across all patterns."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.domain.flashcards import Rating
from app.services import flashcards, progress
from app.web.deps import CardRating, ClockDep, ItemIndex, LearnerId, Run, SessionsDep
from app.web.templating import is_htmx, render

router = APIRouter()


@router.get("/me/progress")
async def my_progress(
    request: Request, sessions: SessionsDep, clock: ClockDep, learner: LearnerId, run: Run
) -> HTMLResponse:
    found = await run(progress.learner_progress, sessions, clock=clock, learner_id=learner)
    return render(request, "progress.html", {"p": found})


@router.get("/me/review")
async def review(
    request: Request, sessions: SessionsDep, clock: ClockDep, learner: LearnerId, run: Run
) -> HTMLResponse:
    queue = await run(progress.review_queue, sessions, clock=clock, learner_id=learner)
    return render(request, "review.html", {"queue": queue})


@router.post("/me/review/{slug}/cards/{i}")
async def rate_due_card(
    request: Request,
    slug: str,
    i: ItemIndex,
    sessions: SessionsDep,
    clock: ClockDep,
    learner: LearnerId,
    run: Run,
    rating: CardRating,
) -> Response:
    reviewed = await run(
        flashcards.rate_card,
        sessions, clock=clock, learner_id=learner, slug=slug, index=i, rating=Rating(rating),
    )  # fmt: skip
    if not is_htmx(request):
        return RedirectResponse("/me/review", status_code=303)
    queue = await run(progress.review_queue, sessions, clock=clock, learner_id=learner)
    context: dict[str, Any] = {"queue": queue, "reviewed": reviewed}
    return render(request, "_review_card.html", context)
