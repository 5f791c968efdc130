"""The learner's account: changing their password (a form that posts back, PRG)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.domain.errors import InvalidInput, UserError
from app.web.deps import AccountsDep, ClientAddress, CurrentLearner, session_token
from app.web.errors import retry_after, status_for
from app.web.templating import render

router = APIRouter()
Password = Annotated[str, Form(max_length=256)]
PAGE = "/me/password"


@router.get(PAGE)
async def password_page(
    request: Request, learner: CurrentLearner, changed: bool = False
) -> HTMLResponse:
    return render(request, "password.html", {"username": learner.username, "changed": changed})


@router.post(PAGE)
async def change_password(
    request: Request,
    learner: CurrentLearner,
    desk: AccountsDep,
    client: ClientAddress,
    current_password: Password,
    new_password: Password,
    new_password_again: Password | None = None,
) -> Response:
    try:
        if new_password_again is not None and new_password_again != new_password:
            raise InvalidInput("The two new passwords differ; type the same one twice.")
        await desk.change_password(
            learner.id,
            current_password,
            new_password,
            client=client,
            keeping=session_token(request),
        )
    except UserError as error:
        context = {"username": learner.username, "error": error.message}
        status, headers = status_for(error), retry_after(error)  # Busy, TooManyRequests
        return render(request, "password.html", context, status_code=status, headers=headers)
    return RedirectResponse(f"{PAGE}?changed=1", status_code=303)
