"""Running a snippet in the sandbox for a signed-in learner."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.services import playground
from app.web.deps import PlaygroundDep, SignedIn

router = APIRouter(prefix="/playground", tags=["playground"])


class SnippetIn(BaseModel):
    code: str = Field(max_length=playground.MAX_CODE)


@router.post(
    "/run",
    responses={
        409: {"description": "The learner has an unfinished problem; finish or let it end"},
        429: {"description": "Too many runs, or the learner's snippets already running; wait"},
        503: {"description": "No sandbox"},
    },
)
async def run(body: SnippetIn, me: SignedIn, runner: PlaygroundDep) -> dict[str, Any]:
    return await runner.run_snippet(me.learner_id, body.code)
