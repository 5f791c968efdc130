"""'Test this pattern': start a sitting, answer every question, see the score."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.services import pattern_tests
from app.web.deps import SignedIn
from app.web.templating import render

router = APIRouter()


@router.post("/patterns/{slug}/tests")
async def start(slug: str, me: SignedIn) -> RedirectResponse:
    test_id = await me.ask(pattern_tests.start_test, slug=slug)
    return RedirectResponse(f"/pattern-tests/{test_id}", status_code=303)


@router.get("/pattern-tests/{test_id}")
async def show(request: Request, test_id: str, me: SignedIn) -> HTMLResponse:
    view = await me.call(pattern_tests.get_test, me.learner_id, test_id=test_id)
    return render(request, "pattern_test.html", {"t": view})


@router.post("/pattern-tests/{test_id}")
async def submit(request: Request, test_id: str, me: SignedIn) -> RedirectResponse:
    form = await request.form()
    answers = {key: value for key, value in form.items() if isinstance(value, str)}
    await me.ask(pattern_tests.submit_test, test_id=test_id, answers=answers)
    return RedirectResponse(f"/pattern-tests/{test_id}", status_code=303)
