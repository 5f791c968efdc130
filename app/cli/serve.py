"""`quiz serve` (and `quiz dev`, which is `serve --reload`): migrate, load, serve.

With --reload, challenges/ is watched and each saved file is reloaded within about a
second; its errors are printed here and shown on the admin content page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
import uvicorn

from app.cli.context import (
    check_secret_key,
    load_settings,
    migrated_database,
    warn_if_unreachable,
)
from app.cli.output import error
from app.cli.sets import print_load_report
from app.cli.verifying import checker_for, start_or_warn
from app.domain.clock import system_clock
from app.services.loading import LoadReport
from app.services.watch import Reloader, Watcher

Host = Annotated[str, typer.Option(help="Interface to listen on.")]
Port = Annotated[int, typer.Option(help="Port to listen on.")]


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("dev")(dev)


def serve(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    reload: Annotated[
        bool, typer.Option("--reload", help="Reload challenge files as they are saved.")
    ] = False,
) -> None:
    """Migrate the database, load challenge files, and serve the web app."""
    from app.web.app import create_app  # the web stack loads only for this command

    settings = load_settings()
    check_secret_key(settings)
    warn_if_unreachable(settings, host)
    database = migrated_database(settings)
    sandbox = start_or_warn()
    verify = checker_for(sandbox, database.units) if sandbox else None
    reloader = Reloader(database.units, settings.challenges_dir, clock=system_clock, verify=verify)
    print_load_report(reloader.reload())
    watcher = Watcher(reloader, on_report=_print_changes, on_error=_print_failure)
    if reload:
        watcher.start()
        typer.echo(f"Watching {settings.challenges_dir}/ for changes; errors at /admin/content")
    typer.echo(f"Serving torch-quiz on http://{host}:{port}")
    try:
        uvicorn.run(
            create_app(settings, sandbox=sandbox),
            host=host,
            port=port,
            log_level="info",
            # uvicorn would believe X-Forwarded-For from 127.0.0.1 by default.
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=settings.trusted_proxies or None,
        )
    finally:
        if reload:
            watcher.stop()
        if sandbox is not None:
            sandbox.close()
        database.dispose()


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
