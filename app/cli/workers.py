"""One app process of `quiz serve --workers N`: uvicorn calls `worker_app()` in each.

The parent has checked the settings, migrated and loaded before any worker starts, so a
worker only builds its app: settings from the same environment, its sandbox (the
services of QUIZ_SANDBOX_URL, or a zygote of its own, which claims its own block of
uids), and the shared database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.cli.context import load_settings
from app.cli.verifying import AnySandbox, start_or_warn


def worker_app() -> FastAPI:
    from app.web.app import create_app  # the web stack loads only in serving processes

    settings = load_settings()
    sandbox = start_or_warn(settings)
    app = create_app(settings, sandbox=sandbox)
    if sandbox is not None:
        _close_on_shutdown(app, sandbox)
    return app


def _close_on_shutdown(app: FastAPI, sandbox: AnySandbox) -> None:
    """The app's own lifespan, then the sandbox's zygote stopped with the worker."""
    lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def with_sandbox(running: FastAPI) -> AsyncIterator[None]:
        try:
            async with lifespan(running):
                yield
        finally:
            sandbox.close()

    app.router.lifespan_context = with_sandbox
