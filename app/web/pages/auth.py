"""Sign in, register, sign out: forms that post back and redirect (PRG)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.domain.errors import (
    BadCredentials,
    Busy,
    InvalidInput,
    TooManyRequests,
    UsernameTaken,
)
from app.web.deps import AccountsDep, ClientAddress, sign_in, sign_out
from app.web.errors import retry_after, status_for
from app.web.templating import render

router = APIRouter()
Text = Annotated[str, Form(max_length=256)]


def safe_next(target: str | None) -> str:
    """Only paths on this site: "//evil.example" and full URLs go home instead."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
async def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", {"next": safe_next(next)})


@router.post("/login")
async def login(
    request: Request,
    desk: AccountsDep,
    client: ClientAddress,
    username: Text,
    password: Text,
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        learner = await desk.authenticate(username, password, client)
    except (BadCredentials, TooManyRequests, Busy) as error:
        context = {"next": safe_next(next), "error": error.message, "username": username}
        headers = retry_after(error)
        return render(
            request, "login.html", context, status_code=status_for(error), headers=headers
        )
    await sign_in(request, learner)
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/register")
async def register_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "register.html", {"next": safe_next(next)})


@router.post("/register")
async def register(
    request: Request,
    desk: AccountsDep,
    username: Text,
    password: Text,
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        learner = await desk.register(username, password)
    except (InvalidInput, UsernameTaken, Busy) as error:
        context = {"next": safe_next(next), "error": error.message, "username": username}
        headers = retry_after(error)
        return render(
            request, "register.html", context, status_code=status_for(error), headers=headers
        )
    await sign_in(request, learner)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
async def logout(request: Request) -> RedirectResponse:
    await sign_out(request)
    return RedirectResponse("/", status_code=303)
