"""Errors a user can cause, as HTTP: JSON under /api, a friendly page elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from app.domain import errors
from app.web.templating import render

STATUS: dict[type[errors.UserError], int] = {
    errors.NotFound: 404,
    errors.NotSignedIn: 401,
    errors.NotAllowed: 403,
    errors.BadCredentials: 401,
    errors.UsernameTaken: 409,
    errors.InvalidInput: 422,
    errors.TooManyRequests: 429,
    errors.AnswerNotUnderstood: 422,
    errors.ProblemOver: 409,
    errors.ProblemNotOver: 409,
    errors.TimeUp: 410,
    errors.Unavailable: 503,
    errors.RunOpen: 409,
}


def status_for(error: errors.UserError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def retry_after(error: errors.UserError) -> dict[str, str]:
    """The Retry-After header a refusal for too many requests, or for too many at once,
    carries (none otherwise)."""
    if isinstance(error, errors.TooManyRequests | errors.Busy):
        return {"Retry-After": str(error.retry_after)}
    return {}


async def user_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.UserError)
    status = status_for(exc)
    headers = retry_after(exc)
    if is_api(request):
        body: dict[str, object] = {"detail": exc.message, "error": type(exc).__name__}
        if isinstance(exc, errors.RunOpen):
            body["run_id"] = exc.run_id  # the run to continue
        return JSONResponse(body, status_code=status, headers=headers)
    if isinstance(exc, errors.NotSignedIn):
        target = quote(request.url.path, safe="/")
        return RedirectResponse(f"/login?next={target}", status_code=303)
    return render(
        request,
        "error.html",
        {"message": exc.message, "status": status},
        status_code=status,
        headers=headers,
    )


async def invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if is_api(request):
        return JSONResponse({"detail": _without_input(exc.errors())}, status_code=422)
    message = "Some of the form was missing or not understood. Go back and try again."
    return render(request, "error.html", {"message": message, "status": 422}, status_code=422)


def _without_input(problems: Sequence[Any]) -> list[dict[str, Any]]:
    """Where and what, never the value sent: a 422 must not echo a request back."""
    return [{"type": p["type"], "loc": p["loc"], "msg": p["msg"]} for p in problems]


async def not_found(request: Request, exc: Exception) -> Response:
    if is_api(request):
        return JSONResponse({"detail": "Not found."}, status_code=404)
    message = "There is nothing at this address."
    return render(request, "error.html", {"message": message, "status": 404}, status_code=404)


async def server_error(request: Request, exc: Exception) -> Response:
    """A bug: the traceback goes to the log, the learner gets a plain apology."""
    if is_api(request):
        return JSONResponse({"detail": "Something went wrong on our side."}, status_code=500)
    message = "Something went wrong on our side. Please try again in a moment."
    return render(request, "error.html", {"message": message, "status": 500}, status_code=500)


USER_ERROR_SCHEMA = {
    "title": "UserError",
    "type": "object",
    "properties": {"detail": {"type": "string"}, "error": {"type": "string"}},
    "required": ["detail", "error"],
}


def document(schema: dict[str, Any]) -> None:
    """A 422 is either FastAPI's list of validation errors or a user error's message
    (`{"detail": "...", "error": "InvalidInput"}`); the description says both."""
    schema.setdefault("components", {}).setdefault("schemas", {})["UserError"] = USER_ERROR_SCHEMA
    either = {
        "anyOf": [
            {"$ref": "#/components/schemas/HTTPValidationError"},
            {"$ref": "#/components/schemas/UserError"},
        ]
    }
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            unreadable = operation.get("responses", {}).get("422")
            if unreadable is not None:
                unreadable["content"] = {"application/json": {"schema": either}}


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.UserError, user_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(404, not_found)
    app.add_exception_handler(Exception, server_error)
