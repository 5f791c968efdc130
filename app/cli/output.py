"""How the CLI speaks: plain lines, errors in red on stderr, never a traceback."""

from __future__ import annotations

import typer


def error(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)


def warn(message: str) -> None:
    typer.secho(message, fg=typer.colors.YELLOW, err=True)


def ok(message: str) -> None:
    typer.secho(message, fg=typer.colors.GREEN)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `message` as an error and return the Exit to raise."""
    error(message)
    return typer.Exit(code)
