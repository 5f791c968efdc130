"""Signed-cookie sessions (itsdangerous), pure ASGI.

Why not Starlette's SessionMiddleware: it fixes the Secure flag at start-up and sends
the cookie on every response. This one marks the cookie Secure whenever the request
came over HTTPS and only sends it when the session changed.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "quiz_session"
MAX_AGE = 14 * 24 * 3600


class SessionMiddleware:
    def __init__(self, app: ASGIApp, secret_key: str) -> None:
        self.app = app
        self.serializer = URLSafeTimedSerializer(
            secret_key, salt="quiz-session", signer_kwargs={"digest_method": hashlib.sha256}
        )
        # Verified cookies, so a learner's every request does not redo the HMAC and JSON.
        self._verified: dict[str, tuple[dict[str, Any], float]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        loaded = self._load(scope)
        scope["session"] = dict(loaded)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["session"] != loaded:
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", self._cookie(scope))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

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
