"""Changing one's password over JSON; every other session of the learner ends."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.web.deps import AccountsDep, ClientAddress, SignedIn, session_token

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
        503: {"description": "Too many signing in at once; try again after Retry-After"},
    },
)
async def change_password(
    body: PasswordChange,
    request: Request,
    me: SignedIn,
    desk: AccountsDep,
    client: ClientAddress,
) -> None:
    """Set a new password. This session stays signed in; every other one is signed out."""
    await desk.change_password(
        me.learner_id,
        body.current_password,
        body.new_password,
        client=client,
        keeping=session_token(request),
    )
