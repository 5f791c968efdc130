"""Backups as docs/deployment.md gives them: `pg_dump -Fc`, then `pg_restore --clean
--if-exists` over the live database, and the app starts on the restored one with
nothing to migrate or load (run here against the throwaway server, without Docker)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.persistence.engine import make_engine
from tests.integration.multiprocess.conftest import fresh_database, needs_postgres
from tests.integration.multiprocess.processes import QUIZ, quiz_environment
from tests.postgres import bin_dir

pytestmark = [pytest.mark.multiprocess, needs_postgres]


def quiz(env: dict[str, str], folder: Path, *args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [str(QUIZ), *args], env=env, cwd=folder, input=stdin, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def pg(program: str, url: str, *args: str) -> None:
    """A PostgreSQL client program against `url`'s server (trusted local connections)."""
    parts = make_url(url)
    location = ["-h", str(parts.host), "-p", str(parts.port), "-U", str(parts.username)]
    tool = bin_dir()
    assert tool is not None
    done = subprocess.run([str(tool / program), *location, *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def admins(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        names = connection.execute(text("SELECT username FROM users ORDER BY username"))
        found = list(names.scalars())
    engine.dispose()
    return found


def test_a_dump_restored_over_the_database_brings_it_back_and_the_app_starts_on_it(
    folder: Path,
) -> None:
    with fresh_database("postgresql", folder) as url:
        env = quiz_environment(url, folder, QUIZ_SANDBOX_URL="")
        quiz(env, folder, "load")  # migrates and loads, as a first start does
        quiz(
            env, folder, "admin", "create", "first", "--password-stdin", stdin="a long passphrase\n"
        )
        dump = folder / "quiz.dump"
        database = str(make_url(url).database)

        pg("pg_dump", url, "-Fc", "-d", database, "-f", str(dump))
        quiz(
            env,
            folder,
            "admin",
            "create",
            "later",
            "--password-stdin",
            stdin="another passphrase\n",
        )
        assert admins(url) == ["first", "later"]
        pg("pg_restore", url, "--clean", "--if-exists", "--no-owner", "-d", database, str(dump))

        assert admins(url) == ["first"]
        again = quiz(env, folder, "load")
        assert "· challenges/exam.yaml: unchanged" in again
