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
from functools import lru_cache

from app.domain.clock import Clock
from app.persistence.unit_of_work import UnitOfWorkFactory

LIFETIME = timedelta(days=14)


@lru_cache(maxsize=16_384)
def session_id(token: str) -> str:
    """The row's key for a cookie's token (kept: every signed-in request asks; the
    session middleware's cache of verified cookies holds the tokens already)."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def start(units: UnitOfWorkFactory, *, clock: Clock, learner_id: int, replacing: str | None) -> str:
    """A new session for the learner, ending the one it replaces; its token, for the cookie.

    A fresh token on every sign-in: a token planted or seen before signing in is not
    the one that ends up signed in.
    """
    token = secrets.token_urlsafe(32)
    now = clock()
    with units() as uow:
        if replacing is not None:
            uow.sign_ins.revoke(session_id(replacing), now)
        uow.sign_ins.start(
            session_id(token), learner_id=learner_id, now=now, expires_at=now + LIFETIME
        )
        uow.commit()
    return token


def learner_of(units: UnitOfWorkFactory, *, clock: Clock, token: str) -> int | None:
    """Whom the session with this token signs in; None once it is revoked or expired."""
    with units() as uow:
        learner = uow.sign_ins.learner_of(session_id(token), clock())
        uow.commit()
        return learner


def end(units: UnitOfWorkFactory, *, clock: Clock, token: str) -> None:
    with units() as uow:
        uow.sign_ins.revoke(session_id(token), clock())
        uow.commit()
