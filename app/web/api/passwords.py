"""Changing one's password over JSON; every other session of the learner ends."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.services import passwords
from app.web.deps import (
    ClientAddress,
    ClockDep,
    HasherDep,
    LearnerId,
    SessionsDep,
    ThrottleDep,
    session_token,
)

router = APIRouter(prefix="/auth", tags=["accounts"])


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256, examples=["a longer passphrase"])


@router.post(
    "/password",
    status_code=204,
    responses={
        403: {"description": "The current password is not right"},
        422: {"description": "The new password is too short"},
        429: {"description": "Too many wrong passwords; try again later"},
    },
)
async def change_password(
    body: PasswordChange,
    request: Request,
    learner: LearnerId,
    sessions: SessionsDep,
    hasher: HasherDep,
    throttle: ThrottleDep,
    clock: ClockDep,
    client: ClientAddress,
) -> None:
    """Set a new password. This session stays signed in; every other one is signed out."""
    # Hashing takes tens of milliseconds: always off the event loop.
    await run_in_threadpool(
        passwords.change_password,
        sessions, hasher, throttle, clock=clock, learner_id=learner,
        current_password=body.current_password, new_password=body.new_password,
        client=client, keeping=session_token(request),
    )  # fmt: skip
