"""Taking a run in the browser: the problem page, answering, hints, "Run it" and the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from app.domain.errors import (
    AnswerNotUnderstood,
    InvalidInput,
    ProblemNotOver,
    ProblemOver,
    TimeUp,
    TooManyRequests,
    Unavailable,
)
from app.domain.runs import Outcome, format_clock
from app.domain.shapes import MAX_SHAPE_CHARS
from app.sandbox.protocol import SnippetResult
from app.services import awards, playground, problems, runs
from app.services.playground import Playground
from app.services.problem_views import ProblemView
from app.web.api.runs import ProblemNumber  # noqa: F401 - registers `problem_number`
from app.web.deps import LearnerCall, PlaygroundDep, SignedIn, signed_in
from app.web.direct_routes import DirectRoute
from app.web.errors import status_for
from app.web.security import verify_form_csrf
from app.web.templating import Fragments, hole, is_htmx, render, render_shared, width

router = APIRouter()
MAX_PROBLEMS = 1000
N = Annotated[int, Path(ge=1, le=MAX_PROBLEMS)]
# Unbounded here: the answer's reader bounds it (app.domain.shapes) and says so on the page.
AnswerField = Annotated[str, Form()]
CodeField = Annotated[str, Form(max_length=playground.MAX_CODE)]


@dataclass(frozen=True)
class Timer:
    """A running problem's clock as the page shows it before its script takes over."""

    seconds: str
    clock: str
    width: str

    @classmethod
    def of(cls, remaining: float, limit: float) -> Timer:
        share = 100 * remaining / limit if limit else 0
        return cls(str(remaining), format_clock(remaining), width(share))


RUN_HOLE = hole("run")
RUN_URL = f"/runs/{RUN_HOLE}"
PROGRESS_HOLE = hole("progress")
UNFINISHED_RUN = (Outcome.PENDING,)  # a shared view's progress: only "unfinished" is read
TIMER_HOLES = Timer(hole("seconds"), hole("clock"), hole("width"))


@dataclass(frozen=True)
class Ran:
    """What "Run it" on the page sent, and what that did or why it did not run."""

    code: str
    result: SnippetResult | None = None
    error: str | None = None


async def _problem_page(
    request: Request,
    me: LearnerCall,
    code_runner: Playground,
    run_id: str,
    n: int,
    *,
    notice: str | None = None,
    typed: str = "",
    ran: Ran | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    view = await me.ask(problems.view_problem, run_id=run_id, number=n)
    shown = {"notice": notice, "typed": typed, "ran": ran}
    shown["runner_unavailable"] = code_runner.unavailable
    return problem_page(request, view, shown, status_code=status_code)


def problem_page(
    request: Request, view: ProblemView, shown: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """problem.html for `view`, with `shown` (notice, typed, ran, runner_unavailable), as
    everyone in this state sees it (app.web.templating.SharedPages): the run's id, the
    clock's reading and the run's progress bar are holes."""
    timer = Timer.of(view.remaining_seconds, view.time_limit_seconds)
    context = {"p": _as_everyone_sees(view), "timer": TIMER_HOLES, "progress": PROGRESS_HOLE}
    holes = {"run": view.run_id, "seconds": timer.seconds, "clock": timer.clock}
    holes["width"] = timer.width
    holes["progress"] = _progress_bar(request, view)
    return render_shared(
        request,
        "problem.html",
        context | shown,
        holes,
        status_code=status_code,
        # "Run it" with the learner's code, an answer not taken with what they typed: theirs
        # alone (kept, each answer sent without cost would add a page)
        keep=not (shown.get("ran") or shown.get("notice") or shown.get("typed")),
    )


def _as_everyone_sees(view: ProblemView) -> ProblemView:
    """`view` with its run's id a hole, no clock reading and no progress but whether the
    run is unfinished (the page reads that; the bar is a hole): the same for everyone in
    this state. The other problems' outcomes would make a page per combination of them,
    which at an exam's scale missed the kept pages four times in ten. What
    `dataclasses.replace` gives, without running the frozen class's __init__ again on
    values it already checked (7 us of the page's CPU, this 0.7 us)."""
    shared = object.__new__(ProblemView)
    progress = UNFINISHED_RUN if view.run_unfinished else ()
    shared.__dict__.update(view.__dict__, run_id=RUN_HOLE, remaining_seconds=0.0, progress=progress)
    return shared


def _progress_bar(request: Request, view: ProblemView) -> Markup:
    """The run's progress bar (_progress.html): kept once per outcomes and number, with
    the run's id filled in here (`Markup.replace` escapes it). Kept apart from the
    statements' fragments: on a long set most outcomes are seen once, and their churn
    would clear the statements, which cost far more to render again."""
    bars: Fragments = request.app.state.progress_bars
    kept = bars("_progress.html", outcomes=view.progress, number=view.number, run_url=RUN_URL)
    return kept.replace(RUN_HOLE, view.run_id)


@router.get("/runs/{run_id}/problems/{n}")
async def problem(
    request: Request, run_id: str, n: N, me: SignedIn, code_runner: PlaygroundDep
) -> HTMLResponse:
    return await _problem_page(request, me, code_runner, run_id, n)


async def problem_direct(request: Request) -> HTMLResponse:
    """`problem`, served before FastAPI's router (app.web.direct_routes): the page learners
    load most, with the route's checks in its order."""
    me, run_id, n = _signed_in_at_problem(request)
    code_runner: Playground = request.app.state.playground
    return await _problem_page(request, me, code_runner, run_id, n)


def _signed_in_at_problem(request: Request) -> tuple[LearnerCall, str, int]:
    """A direct route's learner, run and problem number, checked as the FastAPI routes
    check them: signed in first, then the number's bounds (the same "not understood"
    page as FastAPI's validation gives)."""
    me = signed_in(request)
    n: int = request.path_params["n"]
    if not 1 <= n <= MAX_PROBLEMS:
        raise RequestValidationError([{"type": "range", "loc": ("path", "n"), "msg": "range"}])
    return me, request.path_params["run_id"], n


def direct_routes() -> list[DirectRoute]:
    """What does not match (a number of 10 digits or more, a HEAD) goes on to the
    FastAPI routes, `problem` and `answer`."""
    return [
        DirectRoute("/runs/{run_id}/problems/{n:problem_number}", {"GET"}, problem_direct),
        DirectRoute("/runs/{run_id}/problems/{n:problem_number}/answer", {"POST"}, answer_direct),
    ]


@router.post("/runs/{run_id}/problems/{n}/answer")
async def answer(
    request: Request,
    run_id: str,
    n: N,
    me: SignedIn,
    code_runner: PlaygroundDep,
    answer: AnswerField = "",
) -> Response:
    return await _answer(request, me, code_runner, run_id, n, answer)


async def answer_direct(request: Request) -> Response:
    """`answer`, served before FastAPI's router: what learners send most. The checks of
    the route, in its order: the form's CSRF token (the pages' router dependency), signed
    in, the number's bounds, then the answer field (a text, or absent: "")."""
    await verify_form_csrf(request)
    me, run_id, n = _signed_in_at_problem(request)
    sent = (await request.form()).get("answer", "")
    if not isinstance(sent, str):  # a file (multipart is refused before this anyway)
        raise RequestValidationError([{"type": "string", "loc": ("body", "answer")}])
    code_runner: Playground = request.app.state.playground
    return await _answer(request, me, code_runner, run_id, n, sent)


async def _answer(
    request: Request, me: LearnerCall, code_runner: Playground, run_id: str, n: int, answer: str
) -> Response:
    try:
        await me.ask(problems.submit_answer, run_id=run_id, number=n, raw=answer)
    except (AnswerNotUnderstood, ProblemOver, TimeUp, Unavailable) as error:
        return await _problem_page(
            request,
            me,
            code_runner,
            run_id,
            n,
            notice=error.message,
            typed=answer[:MAX_SHAPE_CHARS],
            status_code=status_for(error),
        )
    if is_htmx(request):
        return await _problem_page(request, me, code_runner, run_id, n)
    return RedirectResponse(f"/runs/{run_id}/problems/{n}", status_code=303)


@router.post("/runs/{run_id}/problems/{n}/hint")
async def hint(request: Request, run_id: str, n: N, me: SignedIn) -> Response:
    text = await me.ask(problems.take_hint, run_id=run_id, number=n)
    if is_htmx(request):
        return render(request, "_hint.html", {"hint": text})
    return RedirectResponse(f"/runs/{run_id}/problems/{n}#hint", status_code=303)


@router.post("/runs/{run_id}/problems/{n}/run")
async def run_code(
    request: Request,
    run_id: str,
    n: N,
    me: SignedIn,
    code_runner: PlaygroundDep,
    code: CodeField = "",
) -> HTMLResponse:
    """The same playground as the API (its rate limit and share too); htmx swaps in the output."""
    status, headers = 200, {}
    try:
        result = await code_runner.run_problem_code(
            me.learner_id, run_id=run_id, number=n, code=code
        )
        ran = Ran(code, result=result)
    except (ProblemNotOver, InvalidInput, TooManyRequests, Unavailable) as error:
        ran, status = Ran(code, error=error.message), status_for(error)
        if isinstance(error, TooManyRequests):
            headers["Retry-After"] = str(error.retry_after)
    if is_htmx(request):
        page = render(request, "_run_output.html", {"ran": ran}, status_code=status)
    else:
        page = await _problem_page(request, me, code_runner, run_id, n, ran=ran, status_code=status)
    page.headers.update(headers)
    return page


@router.get("/runs/{run_id}")
async def result(request: Request, run_id: str, me: SignedIn) -> HTMLResponse:
    summary = await me.ask(runs.run_summary, run_id=run_id)
    earned = await me.call(awards.list_awards, me.learner_id)
    held = [award for award in earned if award.set_slug == summary.set_slug]
    return render(request, "result.html", {"run": summary, "award": held[0] if held else None})
