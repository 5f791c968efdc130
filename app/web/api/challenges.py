"""The catalog and starting runs, over JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.domain.catalog import read_query
from app.services import catalog, runs
from app.web.api.schemas import RunOut, SetOut
from app.web.deps import SignedIn, Visitor

router = APIRouter(prefix="/challenges", tags=["challenges"])


@router.get(
    "",
    responses={422: {"description": "An unknown level or sort, or a search that is too long"}},
)
async def list_sets(
    visit: Visitor,
    topic: Annotated[str | None, Query(description="A topic, as the sets name it")] = None,
    level: Annotated[str | None, Query(description="beginner, intermediate, ...")] = None,
    q: Annotated[str | None, Query(description="Words every match holds")] = None,
    sort: Annotated[str | None, Query(description="title, level, newest, not-earned")] = None,
) -> list[SetOut]:
    """The active sets matching every filter given: a set's level is the most common
    level of its problems; `q` searches titles, summaries, topics and problems' prompts."""
    query = read_query(topic=topic, level=level, q=q, sort=sort)
    found = await visit.ask(catalog.browse, query)
    return [SetOut.of(entry) for entry in found.entries]


@router.post(
    "/{slug}/runs",
    status_code=201,
    responses={
        409: {"description": "A run of the set is open: `{detail, run_id}`; continue that one"},
        429: {"description": "The set's retake_after has not passed; wait `Retry-After` seconds"},
    },
)
async def start_run(slug: str, me: SignedIn) -> RunOut:
    return RunOut.of(await me.ask(runs.start_run, slug=slug))
