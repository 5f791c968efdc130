"""Taking a run over JSON: view a problem (starts its clock), answer, hint, result.

Viewing and answering are the hot paths: they return the JSON themselves (the model
is built from service values, so FastAPI's second validation would be wasted work)
and declare their model for the docs; answering reads its body itself (see bodies).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.services import problems, runs
from app.web.api.bodies import body_schema, read_json
from app.web.api.schemas import AnswerIn, AnswerOut, HintOut, ProblemOut, RunOut
from app.web.deps import SignedIn

router = APIRouter(prefix="/runs", tags=["runs"])
N = Annotated[int, Path(ge=1, le=1000, description="Problem number, from 1")]


def _json(model: AnswerOut | ProblemOut) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


@router.get("/{run_id}")
async def get_run(run_id: str, me: SignedIn) -> RunOut:
    summary = await me.run(
        runs.run_summary, me.sessions, clock=me.clock, learner_id=me.learner_id, run_id=run_id
    )
    return RunOut.of(summary)


@router.get("/{run_id}/problems/{n}", response_model=ProblemOut)
async def view_problem(run_id: str, n: N, me: SignedIn) -> Response:
    view = await me.run(
        problems.view_problem,
        me.sessions, clock=me.clock, learner_id=me.learner_id, run_id=run_id, number=n,
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
    openapi_extra=body_schema(AnswerIn),
)
async def answer(run_id: str, n: N, request: Request, me: SignedIn) -> Response:
    body = await read_json(request, AnswerIn)
    result = await me.run(
        problems.submit_answer,
        me.sessions, clock=me.clock, learner_id=me.learner_id, run_id=run_id, number=n,
        raw=body.answer,
    )  # fmt: skip
    return _json(AnswerOut.of(result))


@router.post("/{run_id}/problems/{n}/hint")
async def hint(run_id: str, n: N, me: SignedIn) -> HintOut:
    text = await me.run(
        problems.take_hint,
        me.sessions, clock=me.clock, learner_id=me.learner_id, run_id=run_id, number=n,
    )  # fmt: skip
    return HintOut(hint=text)
