"""`quiz load`, `quiz check` and `quiz schema`: challenge files in and out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.authoring.loader import parse_tree
from app.authoring.schema import json_schema
from app.cli.context import load_settings, migrated_database
from app.cli.output import error, ok
from app.domain.clock import system_clock
from app.services.loading import FileStatus, LoadReport, load_tree

PathArg = Annotated[
    Path | None,
    typer.Argument(help="A file or folder of challenge files (default: QUIZ_CHALLENGES_DIR)."),
]


def register(app: typer.Typer) -> None:
    app.command("load")(load)
    app.command("check")(check)
    app.command("schema")(schema)


def load(path: PathArg = None) -> None:
    """Validate challenge files and load them into the database.

    Good files load even when others fail; exit 1 if any failed.
    """
    settings = load_settings()
    database = migrated_database(settings)
    report = load_tree(
        database.session_factory, path or settings.challenges_dir, clock=system_clock
    )
    print_load_report(report)
    if not report.ok:
        raise typer.Exit(1)


def print_load_report(report: LoadReport) -> None:
    for outcome in report.files:
        if outcome.status is FileStatus.FAILED:
            for problem in outcome.errors:
                error(str(problem))
            error(f"✗ {outcome.source}: not loaded ({len(outcome.errors)} error(s))")
            continue
        detail = f"{outcome.slug}: {outcome.contents}"
        if outcome.save and outcome.save.new_revisions and not outcome.save.created:
            detail += f", {outcome.save.new_revisions} new revision(s)"
        typer.echo(f"{_MARKS[outcome.status]} {outcome.source}: {outcome.status} ({detail})")
    for slug in report.retired:
        typer.echo(f"- retired {slug}: its file is gone (history kept)")
    loaded = len(report.files) - len(report.failed)
    summary = f"{loaded} of {len(report.files)} file(s) loaded"
    if report.ok:
        ok(summary)
    else:
        error(summary)


_MARKS = {FileStatus.LOADED: "✓", FileStatus.UPDATED: "✓", FileStatus.UNCHANGED: "·"}


def check(
    path: PathArg = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Validate every challenge file; load nothing. Exit 1 on any error."""
    settings = load_settings()
    root = path or settings.challenges_dir
    if not root.exists():
        error(f"{root}: no such file or folder")
        raise typer.Exit(1)
    parsed = parse_tree(root)
    errors = [problem for item in parsed for problem in item.errors]
    if as_json:
        files = [
            {
                "file": item.source,
                "ok": item.ok,
                "slug": item.challenge_set.slug if item.challenge_set else None,
                "errors": [
                    {
                        "line": e.line,
                        "path": str(e).split(": ")[1] if e.path else "",
                        "message": e.message,
                        "text": str(e),
                    }
                    for e in item.errors
                ],
            }
            for item in parsed
        ]
        typer.echo(json.dumps({"ok": not errors, "files": files}, indent=2))
    else:
        for problem in errors:
            error(str(problem))
        good = sum(1 for item in parsed if item.ok)
        (ok if not errors else error)(
            f"{good} of {len(parsed)} file(s) valid, {len(errors)} error(s)"
        )
    if errors:
        raise typer.Exit(1)


def schema() -> None:
    """Print the JSON Schema of challenge files (for editor completion)."""
    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
