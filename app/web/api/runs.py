"""Taking a run over JSON: view a problem (starts its clock), answer, hint, result.

Viewing and answering are the hot paths: they return the JSON themselves (the model
is built from service values, so FastAPI's second validation would be wasted work)
and declare their model for the docs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from app.services import problems, runs
from app.web.api.schemas import AnswerIn, AnswerOut, HintOut, ProblemOut, RunOut
from app.web.deps import App, LearnerId

router = APIRouter(prefix="/runs", tags=["runs"])
N = Annotated[int, Path(ge=1, le=1000, description="Problem number, from 1")]


def _json(model: AnswerOut | ProblemOut) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


@router.get("/{run_id}")
async def get_run(run_id: str, app: App, learner: LearnerId) -> RunOut:
    summary = await app.run(
        runs.run_summary, app.sessions, clock=app.clock, learner_id=learner, run_id=run_id
    )
    return RunOut.of(summary)


@router.get("/{run_id}/problems/{n}", response_model=ProblemOut)
async def view_problem(run_id: str, n: N, app: App, learner: LearnerId) -> Response:
    view = await app.run(
        problems.view_problem,
        app.sessions, clock=app.clock, learner_id=learner, run_id=run_id, number=n,
    )  # fmt: skip
    return _json(ProblemOut.of(view))


@router.post(
    "/{run_id}/problems/{n}/answer",
    response_model=AnswerOut,
    responses={
        409: {"description": "No attempts left, or the problem is already over"},
        410: {"description": "Time is up (deadline plus a 2 s grace)"},
        422: {"description": "The answer could not be read; no attempt was used"},
    },
)
async def answer(run_id: str, n: N, body: AnswerIn, app: App, learner: LearnerId) -> Response:
    result = await app.run(
        problems.submit_answer,
        app.sessions, clock=app.clock, learner_id=learner, run_id=run_id, number=n,
        raw=body.answer,
    )  # fmt: skip
    return _json(AnswerOut.of(result))


@router.post("/{run_id}/problems/{n}/hint")
async def hint(run_id: str, n: N, app: App, learner: LearnerId) -> HintOut:
    text = await app.run(
        problems.take_hint,
        app.sessions, clock=app.clock, learner_id=learner, run_id=run_id, number=n,
    )  # fmt: skip
    return HintOut(hint=text)
