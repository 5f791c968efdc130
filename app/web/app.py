"""The app factory: builds the engine, services' collaborators, middleware and routes.

Nothing happens at import time; `quiz serve` and the tests call `create_app(settings)`.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp

from app.config import Settings, secret_key_of
from app.domain.clock import Clock, system_clock
from app.persistence.database import Database
from app.persistence.engine import make_engine
from app.services import sign_ins
from app.services.hashing import BoundedHasher
from app.services.playground import Playground, SnippetRunner
from app.services.sandbox_share import LearnerShare, sandbox_capacity, share_of
from app.services.throttle import LoginThrottle, TokenBucket
from app.web import api_docs, errors, health
from app.web.admin import router as admin_router
from app.web.api import router as api_router
from app.web.deps import AccountDesk, AppContext
from app.web.direct_routes import DirectRoutes
from app.web.headers import SecurityHeaders
from app.web.limits import RequestLimits, routes_taking_files
from app.web.pages import router as pages_router
from app.web.security import ApiCsrfMiddleware
from app.web.sessions import LiveSession, SessionMiddleware
from app.web.templating import Fragments, SharedPages, make_templates

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"


class _QuizApp(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's server-error handler too, so that even a 500 carries them.
        return SecurityHeaders(super().build_middleware_stack())

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            errors.document(super().openapi())
        return super().openapi()  # built once, then cached


def create_app(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    sandbox: SnippetRunner | None = None,
    password_hasher: PasswordHasher | None = None,
) -> FastAPI:
    secret_key = secret_key_of(settings)  # SecretKeyError: `quiz serve` says why, in a line
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # What exists when serving starts lives as long as the server. Frozen, it is
        # left out of the collector's full passes, which otherwise stalled every request
        # in flight for 50 to 80 ms a few times a minute under load.
        gc.freeze()
        yield
        gc.unfreeze()
        engine.dispose()

    app = _QuizApp(
        title="torch-quiz",
        summary="Timed PyTorch challenges: runs, attempts, hints, badges.",
        lifespan=lifespan,
        # Nothing here exports traces, metrics or logs; checking for it costs every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        # /docs is app.web.api_docs (vendored, CSP-clean); no /redoc (see there).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.secret_key = secret_key
    app.state.engine = engine
    app.state.clock = clock
    app.state.database = Database(engine)
    app.state.context = AppContext(clock, app.state.database)
    app.state.sandbox = sandbox
    # A few hashes at once (64 MiB each): open registration cannot fill the memory.
    app.state.hasher = BoundedHasher(password_hasher or PasswordHasher())
    app.state.throttle = LoginThrottle(clock)
    app.state.accounts = AccountDesk(
        app.state.database, app.state.hasher, app.state.throttle, clock
    )
    # A learner may run 2 snippets a second, in bursts of 10; and a few at once, kept
    # below what the sandbox takes in all.
    share = share_of(sandbox_capacity(sandbox), settings.snippets_per_learner)
    app.state.playground = Playground(
        sandbox,
        TokenBucket(app.state.database.units, clock, capacity=10, per_second=2),
        LearnerShare(app.state.database.units, clock, share),
        app.state.database,
        clock,
    )
    app.state.templates = make_templates()
    app.state.shared_pages = SharedPages(app.state.templates.env)
    app.state.progress_bars = Fragments(app.state.templates.env, size=1024)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    api_router.include(app)
    app.include_router(health.router)
    app.include_router(api_docs.router)
    app.include_router(pages_router.router)
    app.include_router(admin_router.router)
    # Innermost first: direct routes run inside the CSRF check and the session.
    direct = api_router.direct_routes() + pages_router.direct_routes()
    app.add_middleware(DirectRoutes, routes=direct)
    app.add_middleware(ApiCsrfMiddleware)
    app.add_middleware(
        SessionMiddleware, secret_key=secret_key, live=_live_sessions(app.state.context)
    )
    # Outside the session and every body reader: a body too large is refused unread.
    app.add_middleware(RequestLimits, file_routes=routes_taking_files(app))
    # Outermost: a request naming another host is refused before anything reads it.
    # (The security headers wrap even this: _QuizApp.build_middleware_stack.)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.host_names, www_redirect=False)
    errors.install(app)
    return app


def _live_sessions(context: AppContext) -> LiveSession:
    """Whom a session token signs in: the one lookup a signed-in request costs."""

    async def live(token: str) -> int | None:
        return await context.database.gate(sign_ins.learner_of, clock=context.clock, token=token)

    return live
