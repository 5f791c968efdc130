"""The `quiz` command line (CONTRACT §2): a composition root over the services."""

from __future__ import annotations

import os
from pathlib import Path

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


# deploy/entrypoint.sh's convention, for commands that do not pass through it
# (`docker compose exec app-1 quiz admin create alice` runs no ENTRYPOINT).
SECRET_NAMES = ("QUIZ_SECRET_KEY", "QUIZ_SANDBOX_TOKEN", "DATABASE_URL", "PGPASSWORD")


def secrets_from_files() -> None:
    for name in SECRET_NAMES:
        path = os.environ.get(f"{name}_FILE")
        if not path:
            continue
        if os.environ.get(name):
            raise SystemExit(f"both {name} and {name}_FILE are set; keep one")
        try:
            value = Path(path).read_text(encoding="utf-8").rstrip("\n")
        except OSError:
            raise SystemExit(f"{name}_FILE={path}: cannot read it") from None
        os.environ[name] = value
        del os.environ[f"{name}_FILE"]


def main() -> None:
    secrets_from_files()
    app()
