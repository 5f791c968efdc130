"""Practice problems one at a time ("Practice (1/5)") with their worked solutions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse

from app.domain.errors import AnswerNotUnderstood
from app.services import patterns
from app.services.patterns import ChoiceFeedback, PracticeStep
from app.web.deps import Visitor
from app.web.templating import render

router = APIRouter()
N = Annotated[int, Path(ge=1, le=1000)]


def _practice(
    request: Request,
    step: PracticeStep,
    n: int,
    *,
    feedback: ChoiceFeedback | None = None,
    error: str | None = None,
    reveal: bool = False,
) -> HTMLResponse:
    context = {
        "set": step.challenge_set,
        "n": n,
        "total": step.total,
        "item": step.item,
        "feedback": feedback,
        "error": error,
        "reveal": reveal or feedback is not None,
    }
    return render(request, "practice.html", context, status_code=422 if error else 200)


@router.get("/patterns/{slug}/practice/{n}")
async def practice(
    request: Request, slug: str, n: N, visit: Visitor, solution: bool = False
) -> HTMLResponse:
    step = await visit.call(patterns.practice_step, slug=slug, number=n)
    return _practice(request, step, n, reveal=solution)


@router.post("/patterns/{slug}/practice/{n}")
async def practice_answer(
    request: Request,
    slug: str,
    n: N,
    visit: Visitor,
    choice: Annotated[str, Form()] = "",
) -> HTMLResponse:
    step = await visit.call(patterns.practice_step, slug=slug, number=n)
    try:
        feedback = patterns.judge_choice(step.item, n - 1, choice)
    except AnswerNotUnderstood as error:
        return _practice(request, step, n, error=error.message)
    return _practice(request, step, n, feedback=feedback)
