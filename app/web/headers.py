"""Security headers on every response: pages, API, static files, errors and refusals.

The Content-Security-Policy allows only this site's own scripts and stylesheets: no
inline script or style, no eval, no plugin, no framing, forms posting only here. The
pages keep to it (widths are classes, htmx's indicator styles come from app.css, the
API docs are a vendored Swagger UI started by a script file); the browser tests record
every violation. `data:` images are the favicon and Swagger UI's icons.

HSTS only over HTTPS (the scope's scheme; behind a proxy, uvicorn's --proxy-headers
sets it): sent over plain HTTP it would be ignored, and it would pin a site that has
no certificate. The headers are built once; each response gets them appended (no route
sets any of them itself).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000")
OVER_HTTPS = (*HEADERS, HSTS)


def security_headers(scope: Scope) -> tuple[tuple[bytes, bytes], ...]:
    return OVER_HTTPS if scope.get("scheme") in ("https", "wss") else HEADERS


class SecurityHeaders:
    """Outermost: wraps even the server-error handler, so a 500 has them too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
