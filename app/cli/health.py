"""Content health: `quiz check`'s summary table and `quiz stats` (problems per topic and level)."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.context import PathArg, parsed_tree
from app.cli.output import error, table
from app.domain.challenge import Level
from app.services.content_health import Cell, FileCounts, topic_grid, total

COUNT_COLUMNS = ["sets", "problems", "variants", "executed", "cached", "failures"]


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)


def counts_table(rows: list[FileCounts]) -> list[str]:
    """Per file, then the total: what `quiz check` found and ran."""
    body = [[row.source, *map(str, row.numbers().values())] for row in [*rows, total(rows)]]
    return table(["file", *COUNT_COLUMNS], body)


def stats(
    path: PathArg = None,
    pooled: Annotated[
        bool, typer.Option("--detail", help="Show pool members and variants in each cell.")
    ] = False,
) -> None:
    """Show how many problems each topic has at each level, so gaps are visible.

    A cell counts problems (pool members each); `--detail` adds "p" pool members and
    "v" variants. Invalid files are named and left out; nothing runs, nothing loads.
    """
    parsed = parsed_tree(path)
    valid = [item.challenge_set for item in parsed if item.ok and item.challenge_set]
    rows = topic_grid(valid)
    header = ["topic", *(level.value for level in Level), "total", "challenges", "patterns"]
    body = [
        [
            row.topic,
            *(_cell(row.cells[level], pooled) for level in Level),
            str(row.problems),
            str(row.challenge_sets),
            str(row.pattern_sets),
        ]
        for row in rows
    ]
    for line in table(header, body):
        typer.echo(line)
    gaps = sum(
        1 for row in rows if row.challenge_sets for level in Level if not row.cells[level].problems
    )
    typer.echo(f"{len(rows)} topic(s), {len(valid)} set(s), {gaps} empty topic-level cell(s)")
    invalid = [item.source for item in parsed if not item.ok]
    if invalid:
        error(
            f"left out {len(invalid)} invalid file(s) (`quiz check` says why): {', '.join(invalid)}"
        )


def _cell(cell: Cell, detail: bool) -> str:
    if not cell.problems:
        return "-"
    if not detail:
        return str(cell.problems)
    return f"{cell.problems} ({cell.pooled}p {cell.variants}v)"
