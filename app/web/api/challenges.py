"""The catalog and starting runs, over JSON."""

from __future__ import annotations

from fastapi import APIRouter

from app.services import catalog, runs
from app.web.api.schemas import RunOut, SetOut
from app.web.deps import ClockDep, LearnerId, OptionalLearnerId, Run, SessionsDep

router = APIRouter(prefix="/challenges", tags=["challenges"])


@router.get("")
async def list_sets(
    sessions: SessionsDep, clock: ClockDep, learner: OptionalLearnerId, run: Run
) -> list[SetOut]:
    entries = await run(catalog.list_sets, sessions, learner, clock=clock)
    return [SetOut.of(entry) for entry in entries]


@router.post(
    "/{slug}/runs",
    status_code=201,
    responses={
        409: {"description": "A run of the set is open: `{detail, run_id}`; continue that one"},
        429: {"description": "The set's retake_after has not passed; wait `Retry-After` seconds"},
    },
)
async def start_run(
    slug: str, sessions: SessionsDep, clock: ClockDep, learner: LearnerId, run: Run
) -> RunOut:
    summary = await run(runs.start_run, sessions, clock=clock, learner_id=learner, slug=slug)
    return RunOut.of(summary)
