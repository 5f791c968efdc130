"""A pattern page: Recall & Review cards, the quiz, explain prompts (seed 001)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.domain.errors import AnswerNotUnderstood
from app.domain.flashcards import Rating
from app.services import flashcards, patterns
from app.web.deps import CardRating, ItemIndex, SignedIn, Visitor, VisitorCall
from app.web.templating import is_htmx, render

router = APIRouter()


async def _page(request: Request, visit: VisitorCall, slug: str, **extra: Any) -> HTMLResponse:
    page = await visit.ask(patterns.pattern_page, slug)
    context = {"page": page, "set": page.challenge_set, "c": page.content, **extra}
    return render(request, "pattern.html", context)


@router.get("/patterns/{slug}")
async def pattern(request: Request, slug: str, visit: Visitor) -> HTMLResponse:
    return await _page(request, visit, slug)


@router.post("/patterns/{slug}/cards/{i}")
async def rate(
    request: Request, slug: str, i: ItemIndex, me: SignedIn, rating: CardRating
) -> Response:
    reviewed = await me.ask(flashcards.rate_card, slug=slug, index=i, rating=Rating(rating))
    if is_htmx(request):
        return render(request, "_card_rated.html", {"reviewed": reviewed})
    return RedirectResponse(f"/patterns/{slug}#card-{i}", status_code=303)


@router.post("/patterns/{slug}/quiz/{i}")
async def quiz_answer(
    request: Request,
    slug: str,
    i: ItemIndex,
    visit: Visitor,
    choice: Annotated[str, Form()] = "",
) -> Response:
    item = await visit.call(patterns.quiz_item, slug=slug, index=i)
    context: dict[str, Any] = {"slug": slug, "i": i, "item": item}
    try:
        context["feedback"] = patterns.judge_choice(item, i, choice)
    except AnswerNotUnderstood as error:
        return render(
            request, "_quiz_item.html", {**context, "error": error.message}, status_code=422
        )
    if is_htmx(request):
        return render(request, "_quiz_item.html", context)
    return await _page(request, visit, slug, quiz_feedback=context["feedback"])


@router.post("/patterns/{slug}/explain/{i}")
async def explain(
    request: Request,
    slug: str,
    i: ItemIndex,
    visit: Visitor,
    text: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    item = await visit.call(patterns.explain_item, slug=slug, index=i)
    context: dict[str, Any] = {"slug": slug, "i": i, "text": text, "item": item}
    try:
        context["score"] = patterns.judge_explanation(item, text)
    except AnswerNotUnderstood as error:
        context["error"] = error.message
    if is_htmx(request):
        return render(request, "_explain_item.html", context)
    return await _page(request, visit, slug, explained=context)
