"""`quiz load`, `quiz check` and `quiz schema`: challenge files in and out."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from app.authoring.errors import format_path
from app.authoring.loader import ParsedFile
from app.authoring.schema import json_schema
from app.cli.context import Database, PathArg, load_settings, parsed_tree, started_database
from app.cli.health import counts_table
from app.cli.output import error, fail, ok
from app.cli.verifying import checker_for, start_or_warn, started_sandbox, verifier
from app.domain.clock import system_clock
from app.sandbox.errors import SandboxUnavailable
from app.services import content_status
from app.services.content_health import FileCounts, file_counts, total
from app.services.loading import FileStatus, LoadReport, Verification, load_tree


def register(app: typer.Typer) -> None:
    app.command("load")(load)
    app.command("check")(check)
    app.command("schema")(schema)


def load(path: PathArg = None) -> None:
    """Validate challenge files and load them into the database.

    Good files load even when others fail; exit 1 if any failed.
    """
    settings = load_settings()
    root = path or settings.challenges_dir
    sandbox = start_or_warn(settings)
    database: Database | None = None
    try:
        # Under the start-up lock: an app process starting meanwhile waits for this load.
        with started_database(settings) as database:
            verify = verifier(sandbox, database.units)
            report = load_tree(database.units, root, clock=system_clock, verify=verify)
            whole_tree = root.resolve() == settings.challenges_dir.resolve()
            content_status.record_report(
                database.units, report, clock=system_clock, whole_tree=whole_tree
            )
    finally:
        if database is not None:  # its PostgreSQL connections closed, the lock's among them
            database.dispose()
        if sandbox is not None:
            sandbox.close()
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
    run: Annotated[
        bool, typer.Option("--run/--no-run", help="Run every snippet in the sandbox.")
    ] = True,
    allow_unisolated: Annotated[
        bool,
        typer.Option(
            "--allow-unisolated",
            help="Run snippets even where the host cannot fully isolate them (trusted code only).",
        ),
    ] = False,
) -> None:
    """Validate every challenge file and run every snippet; load nothing. Exit 1 on any error.

    Each `expected` shape, `raises` claim and correct shape option is checked against
    what the code really does.
    """
    parsed = parsed_tree(path)
    verified: dict[str, Verification] = {}
    if run and any(item.ok for item in parsed):
        verified = _run_snippets(parsed, allow_unisolated=allow_unisolated)
    errors = [problem for item in parsed for problem in item.errors]
    counts = [file_counts(item, verified.get(item.source)) for item in parsed]
    if as_json:
        files = [_file_json(item, row) for item, row in zip(parsed, counts, strict=True)]
        report = {"ok": not errors, "files": files, "total": total(counts).numbers()}
        typer.echo(json.dumps(report, indent=2))
    else:
        for problem in errors:
            error(str(problem))
        for line in counts_table(counts):
            typer.echo(line)
        good = sum(1 for item in parsed if item.ok)
        summary = f"{good} of {len(parsed)} file(s) valid, {len(errors)} error(s)"
        (ok if not errors else error)(summary)
    if errors:
        raise typer.Exit(1)


def _run_snippets(parsed: list[ParsedFile], *, allow_unisolated: bool) -> dict[str, Verification]:
    """Verify each valid file's snippets; its errors join the file's. By file source."""
    verified: dict[str, Verification] = {}
    try:
        with started_sandbox(allow_unisolated=allow_unisolated) as sandbox:
            checker = checker_for(sandbox, units=None)
            for item in parsed:
                if item.ok:
                    verified[item.source] = checker(item)
                    item.errors.extend(verified[item.source].errors)
    except SandboxUnavailable as unavailable:
        raise fail(
            f"sandbox unavailable: {unavailable.reason}\n"
            "Snippets were not run. `quiz check --allow-unisolated` runs them without full "
            "isolation (trusted code only); `quiz check --no-run` only validates."
        ) from None
    return verified


def _file_json(item: ParsedFile, counts: FileCounts) -> dict[str, object]:
    return {
        "file": item.source,
        "ok": item.ok,
        "slug": item.challenge_set.slug if item.challenge_set else None,
        **counts.numbers(),
        "errors": [
            {"line": e.line, "path": format_path(e.path), "message": e.message, "text": str(e)}
            for e in item.errors
        ],
    }


def schema() -> None:
    """Print the JSON Schema of challenge files (for editor completion)."""
    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
