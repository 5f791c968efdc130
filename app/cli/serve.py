"""`quiz serve`: migrate, load challenges/, serve the web app."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from app.cli.context import load_settings, migrated_database
from app.cli.output import warn
from app.cli.sets import print_load_report
from app.domain.clock import system_clock
from app.services.loading import load_tree


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Migrate the database, load challenge files, and serve the web app."""
    from app.web.app import create_app  # the web stack loads only for this command

    settings = load_settings()
    if settings.uses_dev_secret:
        warn("QUIZ_SECRET_KEY is not set: using the development key (fine on your machine only)")
    database = migrated_database(settings)
    report = load_tree(database.session_factory, settings.challenges_dir, clock=system_clock)
    print_load_report(report)
    database.engine.dispose()
    typer.echo(f"Serving torch-quiz on http://{host}:{port}")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
