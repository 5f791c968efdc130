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


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Lines of a plain-text table: the first column left-aligned, the others right."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(cells).rstrip()

    return [line(header), *(line(row) for row in rows)]
