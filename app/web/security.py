"""CSRF protection for form posts and for the cookie-authenticated JSON API.

Pages: a per-session token, sent back in a hidden `csrf_token` field (or, for htmx,
the `X-CSRF-Token` header), checked on every POST.

API: every non-GET request under /api must be `Content-Type: application/json` or
carry an `X-Requested-With` header. A cross-site page can send neither without a CORS
preflight, which this app never grants, so a forged request never reaches a route.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from fastapi import Request

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


async def verify_api_request(request: Request) -> None:
    """Router dependency for /api: see the module header for why this stops CSRF."""
    if request.method in SAFE_METHODS:
        return
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() == "application/json":
        return
    if request.headers.get("x-requested-with"):
        return
    raise NotAllowed("Send JSON (Content-Type: application/json) or an X-Requested-With header.")
