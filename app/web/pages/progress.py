"""The learner's progress page and the "Review due cards" session across all patterns."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.domain.flashcards import Rating
from app.services import flashcards, progress
from app.web.deps import CardRating, ItemIndex, SignedIn
from app.web.templating import is_htmx, render

router = APIRouter()


@router.get("/me/progress")
async def my_progress(request: Request, me: SignedIn) -> HTMLResponse:
    found = await me.ask(progress.learner_progress)
    return render(request, "progress.html", {"p": found})


@router.get("/me/review")
async def review(request: Request, me: SignedIn) -> HTMLResponse:
    queue = await me.ask(progress.review_queue)
    return render(request, "review.html", {"queue": queue})


@router.post("/me/review/{slug}/cards/{i}")
async def rate_due_card(
    request: Request, slug: str, i: ItemIndex, me: SignedIn, rating: CardRating
) -> Response:
    reviewed = await me.ask(flashcards.rate_card, slug=slug, index=i, rating=Rating(rating))
    if not is_htmx(request):
        return RedirectResponse("/me/review", status_code=303)
    queue = await me.ask(progress.review_queue)
    context: dict[str, Any] = {"queue": queue, "reviewed": reviewed}
    return render(request, "_review_card.html", context)
