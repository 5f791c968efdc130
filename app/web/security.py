"""CSRF protection for form posts and for the cookie-authenticated JSON API.

Pages: a per-session token, sent back in a hidden `csrf_token` field (or, for htmx,
the `X-CSRF-Token` header), checked on every POST.

API: every non-GET request under /api must be `Content-Type: application/json` or
carry an `X-Requested-With` header. A cross-site page can send neither without a CORS
preflight, which this app never grants, so a forged request never reaches a route.
That rule is a middleware rather than a router dependency: it then covers every /api
route by construction, and costs a header scan instead of a dependency (FastAPI spends
tens of microseconds solving each one, on every request).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.domain.errors import NotAllowed

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def csrf_token(session: dict[str, Any]) -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


async def verify_form_csrf(request: Request) -> None:
    """Router dependency for pages: refuses a POST whose token does not match."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not (isinstance(expected, str) and sent and hmac.compare_digest(expected, sent)):
        raise NotAllowed("This form has expired. Reload the page and try again.")


class ApiCsrfMiddleware:
    """Refuses a state-changing /api request that a cross-site page could have sent."""

    MESSAGE = "Send JSON (Content-Type: application/json) or an X-Requested-With header."

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in SAFE_METHODS
            and route_path(scope).startswith("/api/")
            and not _is_api_call(scope["headers"])
        ):
            body = {"detail": self.MESSAGE, "error": NotAllowed.__name__}
            await JSONResponse(body, status_code=403)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def route_path(scope: Scope) -> str:
    """The path the routes see: without the root path the app may be mounted under."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _is_api_call(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"content-type" and value.split(b";")[0].strip().lower() == b"application/json":
            return True
        if name == b"x-requested-with" and value:
            return True
    return False
