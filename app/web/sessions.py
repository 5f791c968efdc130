"""Signed-cookie sessions (itsdangerous), pure ASGI, each signed-in one checked on the server.

Why not Starlette's SessionMiddleware: it fixes the Secure flag at start-up and sends
the cookie on every response. This one marks the cookie Secure whenever the request
came over HTTPS and only sends it when the session changed.

A signed-in cookie names a server-side session ("sid", app.services.sign_ins) besides
its learner ("uid"). Each request asks `live` whom that session signs in (one indexed
lookup); unless it is the cookie's learner (the session was revoked, expired, or
never existed) the request is treated as signed out and the cookie is cleared. Only
the signature check is cached here; whether a session is live never is, so the cache
cannot bring a revoked session back.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.security import route_path

COOKIE = "quiz_session"
MAX_AGE = 14 * 24 * 3600
LiveSession = Callable[[str], Awaitable[int | None]]  # token -> its learner, if live


def session_serializer(secret_key: str) -> URLSafeTimedSerializer:
    """What signs and reads the session cookie's value."""
    return URLSafeTimedSerializer(
        secret_key, salt="quiz-session", signer_kwargs={"digest_method": hashlib.sha256}
    )


class SessionMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        secret_key: str,
        live: LiveSession,
        without_session: tuple[str, ...] = ("/static/",),
    ) -> None:
        self.app = app
        self.live = live
        self.without_session = without_session  # paths that never read it: no lookup
        self.serializer = session_serializer(secret_key)
        # Verified cookies, so a learner's every request does not redo the HMAC and JSON.
        self._verified: dict[str, tuple[dict[str, Any], float]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or route_path(scope).startswith(
            self.without_session
        ):
            await self.app(scope, receive, send)
            return
        loaded = self._load(scope)
        scope["session"] = dict(loaded) if await self._is_live(loaded) else {}

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["session"] != loaded:
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", self._cookie(scope))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _is_live(self, session: dict[str, Any]) -> bool:
        """A session signing nobody in is live as it is; one signing in must be on record."""
        if "uid" not in session and "sid" not in session:
            return True
        token, uid = session.get("sid"), session.get("uid")
        if not isinstance(token, str) or not isinstance(uid, int):
            return False
        return await self.live(token) == uid

    def _load(self, scope: Scope) -> dict[str, Any]:
        for name, value in scope["headers"]:
            if name == b"cookie":
                token = cookie_parser(value.decode("latin-1")).get(COOKIE)
                if not token:
                    continue
                return self._verify(token)
        return {}

    def _verify(self, token: str) -> dict[str, Any]:
        cached = self._verified.get(token)
        if cached is not None and time.time() - cached[1] <= MAX_AGE:
            return cached[0]
        try:
            data, signed = self.serializer.loads(token, max_age=MAX_AGE, return_timestamp=True)
        except BadSignature:
            return {}
        if not isinstance(data, dict):
            return {}
        if len(self._verified) >= 10_000:
            self._verified.clear()
        self._verified[token] = (data, signed.timestamp())
        return data

    def _cookie(self, scope: Scope) -> str:
        session = scope["session"]
        secure = "; Secure" if scope.get("scheme") in ("https", "wss") else ""
        if not session:
            value, age = "", 0
        else:
            value, age = self.serializer.dumps(session), MAX_AGE
        return f"{COOKIE}={value}; Path=/; Max-Age={age}; HttpOnly; SameSite=Lax{secure}"
