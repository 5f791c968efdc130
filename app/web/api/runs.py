"""Taking a run over JSON: view a problem (starts its clock), answer, hint, result.

Viewing, answering and hints are the hot paths, served as direct routes (see
app.web.direct_routes): their endpoints take only the request, read the learner,
the problem's address and the body themselves, and return the JSON themselves (the
model is built from service values, so FastAPI's second validation would be wasted
work). Their parameters, body and model are declared for the docs all the same.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.convertors import Convertor, register_url_convertor

from app.domain.errors import NotFound
from app.services import problems, runs
from app.web.api.bodies import body_schema, read_json
from app.web.api.schemas import AnswerIn, AnswerOut, HintOut, ProblemOut, RunOut
from app.web.deps import SignedIn, signed_in


class ProblemNumber(Convertor[int]):
    """Starlette's `int`, bounded: its "[0-9]+" handed a 5,000-digit number to int(),
    whose ValueError (Python's 4,300-digit limit) was a 500. Longer ones do not match: 404."""

    regex = "[0-9]{1,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("problem_number", ProblemNumber())  # before the paths compile

router = APIRouter(prefix="/runs", tags=["runs"])
MAX_PROBLEMS = 1000
PROBLEM = "/{run_id}/problems/{n:problem_number}"  # the direct routes' path: `n` is an int
ADDRESS = [
    {"name": "run_id", "in": "path", "required": True, "schema": {"type": "string"}},
    {
        "name": "n", "in": "path", "required": True, "description": "Problem number, from 1",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PROBLEMS},
    },
]  # fmt: skip


def _json(model: AnswerOut | HintOut | ProblemOut) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


def _address(request: Request) -> tuple[str, int]:
    run_id: str = request.path_params["run_id"]
    n: int = request.path_params["n"]
    if not 1 <= n <= MAX_PROBLEMS:
        raise NotFound("There is no such problem in your runs.")
    return run_id, n


@router.get("/{run_id}")
async def get_run(run_id: str, me: SignedIn) -> RunOut:
    return RunOut.of(await me.ask(runs.run_summary, run_id=run_id))


@router.get(PROBLEM, response_model=ProblemOut, openapi_extra={"parameters": ADDRESS})
async def view_problem(request: Request) -> Response:
    me, (run_id, n) = signed_in(request), _address(request)
    view = await me.ask(problems.view_problem, run_id=run_id, number=n)
    return _json(ProblemOut.of(view))


@router.post(
    PROBLEM + "/answer",
    response_model=AnswerOut,
    responses={
        409: {"description": "No attempts left, or the problem is already over"},
        410: {"description": "Time is up (deadline plus a 2 s grace)"},
        422: {"description": "The answer could not be read; no attempt was used"},
    },
    openapi_extra={"parameters": ADDRESS, **body_schema(AnswerIn)},
)
async def answer(request: Request) -> Response:
    me, (run_id, n) = signed_in(request), _address(request)
    body = await read_json(request, AnswerIn)
    result = await me.ask(problems.submit_answer, run_id=run_id, number=n, raw=body.answer)
    return _json(AnswerOut.of(result))


@router.post(
    PROBLEM + "/hint",
    response_model=HintOut,
    description="The problem's hint, recorded; asking starts the problem's clock if it has not.",
    openapi_extra={"parameters": ADDRESS},
)
async def hint(request: Request) -> Response:
    me, (run_id, n) = signed_in(request), _address(request)
    text = await me.ask(problems.take_hint, run_id=run_id, number=n)
    return _json(HintOut(hint=text))


DIRECT = (view_problem, answer, hint)
