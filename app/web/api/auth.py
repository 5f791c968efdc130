"""Accounts over JSON: register and sign in set the session cookie."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.services import accounts
from app.web.api.schemas import Credentials, LearnerOut
from app.web.deps import AccountsDep, ClientAddress, CurrentLearner, sign_in, sign_out

router = APIRouter(prefix="/auth", tags=["accounts"])


def _out(learner: accounts.Learner) -> LearnerOut:
    return LearnerOut.model_validate(learner)


@router.post("/register", status_code=201)
async def register(body: Credentials, request: Request, desk: AccountsDep) -> LearnerOut:
    learner = await desk.register(body.username, body.password)
    await sign_in(request, learner)
    return _out(learner)


@router.post("/login", responses={401: {"description": "Wrong username or password"}})
async def login(
    body: Credentials, request: Request, desk: AccountsDep, client: ClientAddress
) -> LearnerOut:
    learner = await desk.authenticate(body.username, body.password, client)
    await sign_in(request, learner)
    return _out(learner)


@router.post("/logout", status_code=204)
async def logout(request: Request) -> None:
    """Ends the session on the server too: a kept copy of the cookie signs in nobody."""
    await sign_out(request)


@router.get("/me")
async def me(learner: CurrentLearner) -> LearnerOut:
    return _out(learner)
