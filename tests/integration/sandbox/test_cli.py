"""`quiz run-snippet` and `quiz doctor` (CONTRACT §2), on a Typer app of their own.

Each command starts a sandbox of its own, so these are the slowest tests here; they
cover the exit codes and, by dropping every capability from a child process, what
happens on a host that cannot isolate: fail closed unless --allow-unisolated.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from app.cli.sandbox import register

pytestmark = pytest.mark.sandbox

PROJECT = Path(__file__).resolve().parents[3]
SNIPPET = "import torch\nx = torch.ones(2, 3)\nprint(x.shape)\n"
# A quiz CLI of just these commands, for running in a process without capabilities.
CLI = """\
import typer
from app.cli.sandbox import register
app = typer.Typer()
register(app)
app()
"""


@pytest.fixture
def app() -> typer.Typer:
    cli = typer.Typer()
    register(cli)
    return cli


@pytest.fixture
def snippet(tmp_path: Path) -> Path:
    path = tmp_path / "snippet.py"
    path.write_text(SNIPPET)
    return path


def assert_no_traceback(result: Result | subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output


@pytest.fixture(autouse=True)
def needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("the OS-level sandbox needs root (CI runs as root)")


def test_run_snippet_json(app: typer.Typer, snippet: Path) -> None:
    result = CliRunner().invoke(app, ["run-snippet", str(snippet), "--json"])
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "ok"
    assert outcome["stdout"] == "torch.Size([2, 3])\n"
    assert outcome["stderr"] == ""
    assert outcome["exception"] is None
    assert outcome["duration_ms"] > 0


def test_run_snippet_exits_0_whatever_the_snippet_did(app: typer.Typer, tmp_path: Path) -> None:
    failing = tmp_path / "failing.py"
    failing.write_text("import torch\ntorch.ones(3) @ torch.ones(4)\n")
    result = CliRunner().invoke(app, ["run-snippet", str(failing), "--meta"])
    assert result.exit_code == 0
    assert "status: error" in result.stderr
    assert "RuntimeError" in result.stderr
    assert_no_traceback_of_ours(result)


def assert_no_traceback_of_ours(result: Result) -> None:
    # The snippet's own traceback is part of its output; ours never is.
    assert "app/sandbox" not in result.output + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_unreadable_file_is_a_plain_error(app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run-snippet", str(tmp_path / "missing.py")])
    assert result.exit_code == 1
    assert "missing.py: cannot read it" in result.stderr
    assert_no_traceback(result)


def test_doctor_reports_full_isolation(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["full"] is True
    assert report["features"]["seccomp"]["ok"] is True


def without_capabilities(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a root that holds no capabilities: no namespaces, no uid change."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is not installed")
    command = [setpriv, "--bounding-set=-all", "--inh-caps=-all", "--"]
    return subprocess.run(
        [*command, sys.executable, "-c", CLI, *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_isolation_learner_code_never_runs(snippet: Path) -> None:
    result = without_capabilities("run-snippet", str(snippet), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "sandbox unavailable: full isolation is not available" in result.stderr
    assert "pid_namespace" in result.stderr
    assert_no_traceback(result)


def test_allow_unisolated_runs_trusted_code_anyway(snippet: Path) -> None:
    result = without_capabilities("run-snippet", str(snippet), "--json", "--allow-unisolated")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["stdout"] == "torch.Size([2, 3])\n"
    assert "without full isolation" in result.stderr
