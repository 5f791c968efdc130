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
    LearnerOut,
    LearnerPageOut,
    LearnerRecordOut,
    MultiplierIn,
)
from app.web.deps import AdminLearner, ClockDep, SessionsDep
from app.web.templating import render

pages = APIRouter()
api = APIRouter()
# A database id: 2**63 and up once reached SQLite as a parameter (OverflowError, a 500).
LearnerIdPath = Annotated[int, Path(ge=1, le=2**63 - 1)]

Search = Annotated[str | None, Query(description="Part of a username, any case.")]


@pages.get("/learners")
def learners(
    request: Request, sessions: SessionsDep, q: Search = None, page: str | None = None
) -> HTMLResponse:
    number = parse_int(page, "page", default=1, low=1, high=1_000_000)
    found = admin_learners.list_learners(sessions, search=q, page=number)
    return render(request, "admin/learners.html", {"found": found, "q": q or ""})


@pages.get("/learners/{learner_id}")
def learner(
    request: Request, learner_id: LearnerIdPath, sessions: SessionsDep, clock: ClockDep,
    saved: str | None = None,
) -> HTMLResponse:  # fmt: skip
    record = admin_learners.learner_record(sessions, clock=clock, learner_id=learner_id)
    return render(request, "admin/learner.html", {"record": record, "saved": saved})


@pages.post("/learners/{learner_id}/time-multiplier")
def set_multiplier(
    learner_id: LearnerIdPath,
    sessions: SessionsDep,
    clock: ClockDep,
    admin: AdminLearner,
    multiplier: Annotated[str, Form()],
) -> RedirectResponse:
    value = parse_multiplier(multiplier)
    accommodations.set_time_multiplier(
        sessions, clock=clock, actor_id=admin.id, learner_id=learner_id, multiplier=value
    )
    return RedirectResponse(f"/admin/learners/{learner_id}?saved=1", status_code=303)


@api.get("/learners")
def learners_json(
    sessions: SessionsDep, q: Search = None, page: str | None = None
) -> LearnerPageOut:
    number = parse_int(page, "page", default=1, low=1, high=1_000_000)
    found = admin_learners.list_learners(sessions, search=q, page=number, per_page=500)
    return LearnerPageOut(
        total=found.total,
        page=found.page,
        per_page=found.per_page,
        learners=[LearnerOut.model_validate(line) for line in found.items],
    )


@api.get("/learners/{learner_id}")
def learner_json(
    learner_id: LearnerIdPath, sessions: SessionsDep, clock: ClockDep
) -> LearnerRecordOut:
    record = admin_learners.learner_record(sessions, clock=clock, learner_id=learner_id)
    return LearnerRecordOut.model_validate(record)


@api.put("/learners/{learner_id}/time-multiplier")
def set_multiplier_json(
    learner_id: LearnerIdPath,
    body: MultiplierIn,
    sessions: SessionsDep,
    clock: ClockDep,
    admin: AdminLearner,
) -> AccommodationOut:
    """Every later problem of the learner gets its time limit multiplied by this."""
    done = accommodations.set_time_multiplier(
        sessions, clock=clock, actor_id=admin.id, learner_id=learner_id,
        multiplier=body.time_multiplier,
    )  # fmt: skip
    return AccommodationOut.model_validate(done)
