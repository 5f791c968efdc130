"""`quiz run-snippet` and `quiz doctor`: the sandbox from the command line (CONTRACT §2).

run-snippet exits 0 when the snippet ran, whatever it did; 2 when the sandbox is
unavailable (full isolation missing and no --allow-unisolated); 1 when the file cannot
be read or the snippet is refused (too long). doctor exits 0 with full isolation, 2
without.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.cli.output import error, fail, ok, warn
from app.sandbox.client import Sandbox, SnippetRejected
from app.sandbox.errors import SandboxError, SandboxUnavailable
from app.sandbox.probe import IsolationReport
from app.sandbox.protocol import SandboxLimits, SnippetJob, SnippetResult

UNAVAILABLE = 2
_UNISOLATED_HINT = (
    "`quiz doctor` shows what is missing; --allow-unisolated runs trusted code anyway"
)


def register(app: typer.Typer) -> None:
    app.command("run-snippet")(run_snippet)
    app.command("doctor")(doctor)


def run_snippet(
    file: Annotated[Path, typer.Argument(help="A Python file holding the snippet.")],
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the outcome as one JSON object.")
    ] = False,
    meta: Annotated[
        bool, typer.Option("--meta", help="Run with torch's meta device as the default device.")
    ] = False,
    shape_of: Annotated[
        str | None,
        typer.Option("--shape-of", help="An expression whose shape to report after the run."),
    ] = None,
    allow_unisolated: Annotated[
        bool,
        typer.Option(
            "--allow-unisolated", help="Run even without full isolation (trusted code only)."
        ),
    ] = False,
) -> None:
    """Run one snippet in the sandbox and print what it did."""
    try:
        code = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{file}: cannot read it: {exc}") from None
    job = SnippetJob(code=code, shape_of=shape_of, device="meta" if meta else None)
    try:
        with Sandbox(
            SandboxLimits.for_check(), pool_size=1, allow_unisolated=allow_unisolated
        ) as box:
            if not box.isolation_report().full:
                warn("warning: running without full isolation (--allow-unisolated)")
            result = box.run(job)
    except SnippetRejected as exc:
        raise fail(f"{file}: {exc}") from None
    except SandboxUnavailable as exc:
        error(f"sandbox unavailable: {exc.reason}")
        raise fail(_UNISOLATED_HINT, UNAVAILABLE) from None
    except SandboxError as exc:
        raise fail(f"sandbox error: {exc}", UNAVAILABLE) from None
    if json_output:
        typer.echo(json.dumps(result.to_dict()))
    else:
        _print_result(result, job)


def _print_result(result: SnippetResult, job: SnippetJob) -> None:
    if result.stdout:
        typer.echo(result.stdout, nl=not result.stdout.endswith("\n"))
    if result.stdout_truncated:
        warn("[stdout truncated]")
    if result.stderr:
        typer.echo(result.stderr, nl=not result.stderr.endswith("\n"), err=True)
    if result.stderr_truncated:
        warn("[stderr truncated]")
    summary = f"status: {result.status} ({result.duration_ms:.1f} ms)"
    if result.exception is not None:
        summary += f" {result.exception}: {result.exception_message}"
    elif result.exception_message is not None:
        summary += f" {result.exception_message}"
    (ok if result.status == "ok" else error)(summary)
    if job.shape_of is not None:
        if result.shape is not None:
            typer.echo(f"shape of {job.shape_of}: {tuple(result.shape)}")
        else:
            error(f"shape of {job.shape_of}: {result.shape_error}")
    if result.meta_unsupported is not None:
        error(f"cannot run on meta: {result.meta_unsupported}")


def doctor(
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the report as one JSON object.")
    ] = False,
) -> None:
    """Show which isolation this host gives the sandbox; exit 2 unless it is full."""
    limits = SandboxLimits()
    box = Sandbox(limits, pool_size=1, allow_unisolated=True)
    try:
        box.start()
    except SandboxError:
        pass  # the report says why
    finally:
        box.close()
    report = box.isolation_report()
    if json_output:
        typer.echo(json.dumps(report.to_dict()))
    else:
        _print_report(report, limits)
    if not report.full:
        raise typer.Exit(UNAVAILABLE)


def _print_report(report: IsolationReport, limits: SandboxLimits) -> None:
    # A report, not errors: one stream, so the lines stay in order; colour marks trouble.
    for name, status in report.features.items():
        mark, colour = (
            ("✓", None) if status.ok else ("✗", "red") if status.required else ("-", "yellow")
        )
        typer.secho(f"{mark} {name}: {status.detail}", fg=colour)
    mib = 1024 * 1024
    typer.echo(
        f"limits per job: wall {limits.wall_seconds:g} s "
        f"(quiz check {SandboxLimits.for_check().wall_seconds:g} s), "
        f"CPU {limits.cpu_seconds:g} s, memory {limits.memory_bytes // mib} MiB, "
        f"{limits.processes} processes, /tmp {limits.tmpfs_bytes // mib} MiB, "
        f"source {limits.source_bytes // 1024} KiB, output {limits.output_bytes // 1024} KiB"
    )
    if report.full:
        typer.secho("full isolation: learner code may run", fg="green")
    else:
        typer.secho(
            "isolation is NOT full: learner code will not run; quiz check needs --allow-unisolated",
            fg="red",
        )
