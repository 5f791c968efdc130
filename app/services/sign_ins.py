"""Signed-in sessions kept on the server: what a session cookie is worth.

A cookie carries a random token; the server keeps a row per token (its SHA-256) with
its learner, its expiry and whether it was revoked. Every signed-in request asks
`learner_of`, so logging out, a password change or 14 days end a session for good,
whatever copy of the cookie is replayed, in every app process.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import Clock
from app.persistence import sign_ins
from app.persistence.sign_ins import commit, transaction

LIFETIME = timedelta(days=14)


def session_id(token: str) -> str:
    """The row's key for a cookie's token."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def start(
    sessions: sessionmaker[Session], *, clock: Clock, learner_id: int, replacing: str | None
) -> str:
    """A new session for the learner, ending the one it replaces; its token, for the cookie.

    A fresh token on every sign-in: a token planted or seen before signing in is not
    the one that ends up signed in.
    """
    token = secrets.token_urlsafe(32)
    now = clock()
    with transaction(sessions) as conn:
        if replacing is not None:
            sign_ins.revoke(conn, session_id(replacing), now)
        sign_ins.start(
            conn, session_id(token), learner_id=learner_id, now=now, expires_at=now + LIFETIME
        )
        commit(conn)
    return token


def learner_of(sessions: sessionmaker[Session], *, clock: Clock, token: str) -> int | None:
    """Whom the session with this token signs in; None once it is revoked or expired."""
    with transaction(sessions) as conn:
        learner = sign_ins.learner_of(conn, session_id(token), clock())
        commit(conn)
        return learner


def end(sessions: sessionmaker[Session], *, clock: Clock, token: str) -> None:
    with transaction(sessions) as conn:
        sign_ins.revoke(conn, session_id(token), clock())
        commit(conn)
