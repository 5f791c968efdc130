"""`quiz serve` (and `quiz dev`, which is `serve --reload`): migrate, load, serve.

With --reload, challenges/ is watched and each saved file is reloaded within about a
second; its errors are printed here and shown on the admin content page.

With --workers N, this process migrates and loads, then uvicorn serves from N processes
sharing one socket (app.cli.workers). Migrating and loading hold the database's start-up
lock (app.persistence.startup_lock), so any number of `quiz serve` started at once, on
one host or several, migrate and load one at a time: the first does it, the others find
nothing to do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
import uvicorn

from app.cli.context import (
    Database,
    check_secret_key,
    load_settings,
    started_database,
    warn_if_unreachable,
)
from app.cli.output import error, fail
from app.cli.sets import print_load_report
from app.cli.verifying import AnySandbox, start_or_warn, verifier
from app.config import Settings
from app.domain.clock import system_clock
from app.services.loading import LoadReport
from app.services.watch import Reloader, Watcher

Host = Annotated[str, typer.Option(help="Interface to listen on.")]
Port = Annotated[int, typer.Option(help="Port to listen on.")]
MAX_WORKERS = 64
WORKER_HEALTHCHECK_SECONDS = 30


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("dev")(dev)


def serve(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    reload: Annotated[
        bool, typer.Option("--reload", help="Reload challenge files as they are saved.")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=MAX_WORKERS,
            help="Serve from this many app processes (they share all state through the "
            "database); without it, one process serves.",
        ),
    ] = None,
) -> None:
    """Migrate the database, load challenge files, and serve the web app."""
    settings = load_settings()
    if workers is not None and reload:
        raise fail(
            "--reload watches challenges/ from one process: drop --workers while writing "
            "sets (or run `quiz load` after editing)"
        )
    check_secret_key(settings)
    warn_if_unreachable(settings, host)
    if workers is not None:
        _serve_workers(settings, host, port, workers)
        return
    from app.web.app import create_app  # the web stack loads only for this command

    # Started before the start-up lock, so that processes starting at once start theirs
    # side by side, not one after another.
    sandbox = start_or_warn(settings)
    try:
        with started_database(settings) as database:  # one process at a time migrates, loads
            reloader = _load_challenges(settings, database, sandbox)
        watcher = Watcher(reloader, on_report=_print_changes, on_error=_print_failure)
        if reload:
            watcher.start()
            typer.echo(f"Watching {settings.challenges_dir}/ for changes; errors at /admin/content")
        typer.echo(f"Serving torch-quiz on http://{host}:{port}")
        try:
            app = create_app(settings, sandbox=sandbox)
            uvicorn.run(app, **_server_options(settings, host, port))
        finally:
            if reload:
                watcher.stop()
            database.dispose()
    finally:
        if sandbox is not None:
            sandbox.close()


def _serve_workers(settings: Settings, host: str, port: int, workers: int) -> None:
    """Load once here, then let uvicorn run `workers` processes, each building its own app
    (and sandbox) with `app.cli.workers.worker_app`, all on one listening socket."""
    sandbox = start_or_warn(settings)
    try:
        with started_database(settings) as database:
            _load_challenges(settings, database, sandbox)
        database.dispose()
    finally:
        if sandbox is not None:
            sandbox.close()  # each worker starts its own
    typer.echo(f"Serving torch-quiz on http://{host}:{port} from {workers} processes")
    uvicorn.run(
        "app.cli.workers:worker_app",
        factory=True,
        workers=workers,
        # A worker answers uvicorn's pings only once it has imported the app; on a busy
        # host that took longer than uvicorn's 5 s, and the worker was killed and restarted.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        **_server_options(settings, host, port),
    )


def _load_challenges(
    settings: Settings, database: Database, sandbox: AnySandbox | None
) -> Reloader:
    verify = verifier(sandbox, database.units)
    reloader = Reloader(database.units, settings.challenges_dir, clock=system_clock, verify=verify)
    print_load_report(reloader.reload())
    return reloader


def _server_options(settings: Settings, host: str, port: int) -> dict[str, Any]:
    return {
        "host": host,
        "port": port,
        "log_level": "info",
        # uvicorn would believe X-Forwarded-For from 127.0.0.1 by default.
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": settings.trusted_proxies or None,
    }


def dev(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """`serve --reload`: serve and reload challenge files whenever one is saved."""
    serve(host=host, port=port, reload=True)


def _print_changes(report: LoadReport) -> None:
    if not report.files and not report.retired:
        return
    typer.echo(f"[{datetime.now():%H:%M:%S}] reloaded")
    print_load_report(report)


def _print_failure(failure: Exception) -> None:
    error(f"[{datetime.now():%H:%M:%S}] reload failed: {failure.__class__.__name__}: {failure}")
