"""deploy/entrypoint.sh: NAME_FILE puts a secret file's contents in NAME, then runs the
command; a variable given both ways, or a file it cannot read, stops the start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ENTRYPOINT = Path(__file__).resolve().parents[3] / "deploy" / "entrypoint.sh"
NAMES = ["QUIZ_SECRET_KEY", "QUIZ_SANDBOX_TOKEN", "DATABASE_URL", "PGPASSWORD"]
SHOW = "import json, os, sys; print(json.dumps(dict(os.environ))); sys.exit(7)"


def start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in NAMES and not k.endswith("_FILE")}
    return subprocess.run(
        [str(ENTRYPOINT), sys.executable, "-c", SHOW],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_secret_files_become_variables_and_the_command_runs_with_them(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("k" * 48 + "\n")
    (tmp_path / "password").write_text("pa ss'word$(true)\n")

    done = start(
        {
            "QUIZ_SECRET_KEY_FILE": str(tmp_path / "key"),
            "PGPASSWORD_FILE": str(tmp_path / "password"),
            "QUIZ_SANDBOX_TOKEN": "given-directly",
        }
    )

    assert done.returncode == 7, done.stderr  # the command's own status
    seen = json.loads(done.stdout)
    assert seen["QUIZ_SECRET_KEY"] == "k" * 48
    assert seen["PGPASSWORD"] == "pa ss'word$(true)"  # taken as text, never run
    assert seen["QUIZ_SANDBOX_TOKEN"] == "given-directly"
    assert "QUIZ_SECRET_KEY_FILE" not in seen
    assert "DATABASE_URL" not in seen


def test_a_variable_given_both_ways_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("k" * 48)
    done = start({"QUIZ_SECRET_KEY": "x" * 48, "QUIZ_SECRET_KEY_FILE": str(tmp_path / "key")})
    assert done.returncode == 1
    assert done.stdout == ""
    assert "both QUIZ_SECRET_KEY and QUIZ_SECRET_KEY_FILE are set" in done.stderr


def test_a_secret_file_that_cannot_be_read_stops_the_start(tmp_path: Path) -> None:
    done = start({"QUIZ_SANDBOX_TOKEN_FILE": str(tmp_path / "missing")})
    assert done.returncode == 1
    assert done.stdout == ""
    assert f"QUIZ_SANDBOX_TOKEN_FILE={tmp_path / 'missing'}: cannot read it" in done.stderr
