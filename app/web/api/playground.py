"""Running a snippet in the sandbox for a signed-in learner."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.services import playground
from app.web.deps import SignedIn

router = APIRouter(prefix="/playground", tags=["playground"])


class SnippetIn(BaseModel):
    code: str = Field(max_length=playground.MAX_CODE)


@router.post(
    "/run",
    responses={
        409: {"description": "The learner has an unfinished problem; finish or let it end"},
        429: {"description": "Too many runs; wait"},
        503: {"description": "No sandbox"},
    },
)
async def run(body: SnippetIn, request: Request, me: SignedIn) -> dict[str, Any]:
    result = await playground.run_snippet(
        request.app.state.sandbox,
        request.app.state.playground_limiter,
        me.sessions,
        call=me.run,
        clock=me.clock,
        learner_id=me.learner_id,
        code=body.code,
    )
    return result
