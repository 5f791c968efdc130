"""Review finding: `docker compose exec app-1 quiz admin create alice` (deployment.md)
runs without the image's ENTRYPOINT, so the *_FILE secrets are never read and the
command refuses to start (QUIZ_SECRET_KEY unset outside development; no PGPASSWORD)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[3] / "deploy" / "compose.yaml"


def test_a_command_run_with_docker_exec_reads_the_secret_files(tmp_path: Path) -> None:
    app_env = yaml.safe_load(COMPOSE.read_text())["x-app"]["environment"]
    (tmp_path / "key").write_text("k" * 48 + "\n")
    (tmp_path / "token").write_text("t" * 48 + "\n")
    (tmp_path / "challenges").mkdir()
    # The container's environment as `docker exec` gives it: compose's, no entrypoint.
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        **{k: str(v) for k, v in app_env.items()},
        "QUIZ_PUBLIC_URL": "https://quiz.example.org",
        "QUIZ_SECRET_KEY_FILE": str(tmp_path / "key"),
        "QUIZ_SANDBOX_TOKEN_FILE": str(tmp_path / "token"),
        "PGPASSWORD_FILE": str(tmp_path / "token"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'quiz.db'}",  # stands in for db:5432
        "QUIZ_CHALLENGES_DIR": str(tmp_path / "challenges"),
    }
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("quiz")),
            "admin",
            "create",
            "alice",
            "--password-stdin",
        ],
        input="a-long-enough-password-1\n",
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
