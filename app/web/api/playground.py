"""Running a snippet in the sandbox for a signed-in learner."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.services import playground
from app.web.deps import LearnerId

router = APIRouter(prefix="/playground", tags=["playground"])


class SnippetIn(BaseModel):
    code: str = Field(max_length=playground.MAX_CODE)


@router.post(
    "/run",
    responses={
        429: {"description": "Too many runs, or the learner's snippets already running; wait"},
        503: {"description": "No sandbox"},
    },
)
async def run(body: SnippetIn, request: Request, learner: LearnerId) -> dict[str, Any]:
    result = await playground.run_snippet(
        request.app.state.sandbox,
        request.app.state.playground_limiter,
        request.app.state.sandbox_share,
        learner_id=learner,
        code=body.code,
    )
    return result
