"""'Test this pattern': start a sitting, answer every question, see the score."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.services import pattern_tests
from app.web.deps import ClockDep, LearnerId, Run, SessionsDep
from app.web.templating import render

router = APIRouter()


@router.post("/patterns/{slug}/tests")
async def start(
    slug: str, sessions: SessionsDep, clock: ClockDep, learner: LearnerId, run: Run
) -> RedirectResponse:
    test_id = await run(
        pattern_tests.start_test, sessions, clock=clock, learner_id=learner, slug=slug
    )
    return RedirectResponse(f"/pattern-tests/{test_id}", status_code=303)


@router.get("/pattern-tests/{test_id}")
async def show(
    request: Request, test_id: str, sessions: SessionsDep, learner: LearnerId, run: Run
) -> HTMLResponse:
    view = await run(pattern_tests.get_test, sessions, learner_id=learner, test_id=test_id)
    return render(request, "pattern_test.html", {"t": view})


@router.post("/pattern-tests/{test_id}")
async def submit(
    request: Request,
    test_id: str,
    sessions: SessionsDep,
    clock: ClockDep,
    learner: LearnerId,
    run: Run,
) -> RedirectResponse:
    form = await request.form()
    answers = {key: value for key, value in form.items() if isinstance(value, str)}
    await run(
        pattern_tests.submit_test,
        sessions, clock=clock, learner_id=learner, test_id=test_id, answers=answers,
    )  # fmt: skip
    return RedirectResponse(f"/pattern-tests/{test_id}", status_code=303)
