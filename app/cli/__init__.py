"""The `quiz` command line (CONTRACT §2): a composition root over the services."""

from __future__ import annotations

import typer

from app.cli import admin, health, sandbox, sandbox_service, serve, sets

app = typer.Typer(
    name="quiz",
    help="torch-quiz: timed PyTorch challenges, verified by running the code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
sets.register(app)
health.register(app)
serve.register(app)
sandbox.register(app)
sandbox_service.register(app)
admin.register(app)


def main() -> None:
    app()
