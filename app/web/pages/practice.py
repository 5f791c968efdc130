"""Practice problems one at a time ("Practice (1/5)") with their worked solutions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse

from app.domain.errors import AnswerNotUnderstood
from app.services import patterns
from app.services.patterns import ChoiceFeedback
from app.web.deps import Run, SessionsDep
from app.web.runner import ServiceRunner
from app.web.templating import render

router = APIRouter()
N = Annotated[int, Path(ge=1, le=1000)]


async def _practice(
    request: Request,
    run: ServiceRunner,
    sessions: SessionsDep,
    slug: str,
    n: int,
    *,
    feedback: ChoiceFeedback | None = None,
    error: str | None = None,
    reveal: bool = False,
) -> HTMLResponse:
    step = await run(patterns.practice_step, sessions, slug=slug, number=n)
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
    request: Request, slug: str, n: N, sessions: SessionsDep, run: Run, solution: bool = False
) -> HTMLResponse:
    return await _practice(request, run, sessions, slug, n, reveal=solution)


@router.post("/patterns/{slug}/practice/{n}")
async def practice_answer(
    request: Request,
    slug: str,
    n: N,
    sessions: SessionsDep,
    run: Run,
    choice: Annotated[str, Form()] = "",
) -> HTMLResponse:
    try:
        feedback = await run(patterns.check_practice, sessions, slug=slug, index=n - 1, raw=choice)
    except AnswerNotUnderstood as error:
        return await _practice(request, run, sessions, slug, n, error=error.message)
    return await _practice(request, run, sessions, slug, n, feedback=feedback)
