"""Learners: the list, one learner's runs and awards, and their time multiplier."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.domain.accommodations import parse_multiplier
from app.services import accommodations, admin_learners
from app.web.admin.params import parse_int
from app.web.admin.schemas import (
    AccommodationOut,
    LearnerPageOut,
    LearnerRecordOut,
    MultiplierIn,
)
from app.web.deps import AdminLearner, ClockDep, DatabaseDep
from app.web.templating import render

pages = APIRouter()
api = APIRouter()
# A database id: 2**63 and up once reached SQLite as a parameter (OverflowError, a 500).
LearnerIdPath = Annotated[int, Path(ge=1, le=2**63 - 1)]

Search = Annotated[str | None, Query(description="Part of a username, any case.")]


@pages.get("/learners")
async def learners(
    request: Request, db: DatabaseDep, q: Search = None, page: str | None = None
) -> HTMLResponse:
    number = parse_int(page, "page", default=1, low=1, high=1_000_000)
    found = await db.call_aside(admin_learners.list_learners, search=q, page=number)
    return render(request, "admin/learners.html", {"found": found, "q": q or ""})


@pages.get("/learners/{learner_id}")
async def learner(
    request: Request,
    learner_id: LearnerIdPath,
    db: DatabaseDep,
    clock: ClockDep,
    saved: str | None = None,
) -> HTMLResponse:
    record = await db.call_aside(admin_learners.learner_record, clock=clock, learner_id=learner_id)
    return render(request, "admin/learner.html", {"record": record, "saved": saved})


@pages.post("/learners/{learner_id}/time-multiplier")
async def set_multiplier(
    learner_id: LearnerIdPath,
    db: DatabaseDep,
    clock: ClockDep,
    admin: AdminLearner,
    multiplier: Annotated[str, Form()],
) -> RedirectResponse:
    value = parse_multiplier(multiplier)
    await db.call_aside(
        accommodations.set_time_multiplier,
        clock=clock,
        actor_id=admin.id,
        learner_id=learner_id,
        multiplier=value,
    )
    return RedirectResponse(f"/admin/learners/{learner_id}?saved=1", status_code=303)


@api.get("/learners")
async def learners_json(
    db: DatabaseDep, q: Search = None, page: str | None = None
) -> LearnerPageOut:
    number = parse_int(page, "page", default=1, low=1, high=1_000_000)
    found = await db.call_aside(admin_learners.list_learners, search=q, page=number, per_page=500)
    return LearnerPageOut.model_validate(found)


@api.get("/learners/{learner_id}")
async def learner_json(
    learner_id: LearnerIdPath, db: DatabaseDep, clock: ClockDep
) -> LearnerRecordOut:
    record = await db.call_aside(admin_learners.learner_record, clock=clock, learner_id=learner_id)
    return LearnerRecordOut.model_validate(record)


@api.put("/learners/{learner_id}/time-multiplier")
async def set_multiplier_json(
    learner_id: LearnerIdPath,
    body: MultiplierIn,
    db: DatabaseDep,
    clock: ClockDep,
    admin: AdminLearner,
) -> AccommodationOut:
    """Every later problem of the learner gets its time limit multiplied by this."""
    done = await db.call_aside(
        accommodations.set_time_multiplier,
        clock=clock,
        actor_id=admin.id,
        learner_id=learner_id,
        multiplier=body.time_multiplier,
    )
    return AccommodationOut.model_validate(done)
