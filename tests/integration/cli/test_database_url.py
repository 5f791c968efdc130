"""A DATABASE_URL the app cannot use stops every command that needs the database in one
line naming the setting (its password hidden), never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from app.cli import app
from tests.live_server import free_port
from tests.postgres import PostgresServer

COMMANDS = {
    "serve": ["serve"],
    "load": ["load"],
    "admin": ["admin", "create", "root", "--password-stdin"],
    "admin --promote": ["admin", "create", "root", "--promote"],
}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served: dict[str, Any]) -> Path:
    """A working folder with an empty challenges/ and no database settings of its own."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUIZ_CHALLENGES_DIR", "challenges")
    monkeypatch.setenv("QUIZ_ENV", "development")
    monkeypatch.delenv("QUIZ_SECRET_KEY", raising=False)
    (tmp_path / "challenges").mkdir()
    return tmp_path


def refused(command: list[str], url: str) -> Result:
    result = CliRunner().invoke(app, command, env={"DATABASE_URL": url}, input="pw-long-enough\n")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def database_line(result: Result) -> str:
    """The one line about the database: the last thing the command said."""
    lines = result.stderr.splitlines()
    assert lines, result.output
    assert lines[-1].startswith("DATABASE_URL"), result.stderr
    return lines[-1]


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("mysql://quiz:hunter2@db.example/quiz", "DATABASE_URL=mysql://quiz:***@db.example/quiz:"
         " mysql is not supported; use sqlite:///"),
        ("postgresql+psycopg2://quiz@db.example/quiz", "DATABASE_URL=postgresql+psycopg2://"
         "quiz@db.example/quiz: postgresql+psycopg2 is not supported; use sqlite:///"),
        ("not a url at all", "DATABASE_URL is not a database URL; use sqlite:///"),
    ],
    ids=["mysql", "another-driver", "garbage"],
)  # fmt: skip
def test_an_unsupported_url_is_named_in_one_line(
    folder: Path, command: list[str], url: str, said: str
) -> None:
    line = database_line(refused(command, url))

    assert line.startswith(said), line
    assert "hunter2" not in line


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_an_unreachable_database_is_named_in_one_line(folder: Path, command: list[str]) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql+psycopg://quiz:hunter2@127.0.0.1:{port}/quiz"

    line = database_line(refused(command, url))

    assert line.startswith(f"DATABASE_URL=postgresql+psycopg://quiz:***@127.0.0.1:{port}/quiz: ")
    assert "Connection refused" in line
    assert "hunter2" not in line


def test_a_database_that_refuses_is_named_in_one_line(
    folder: Path, postgres_server: PostgresServer
) -> None:
    url = postgres_server.url("no_such_database")

    line = database_line(refused(["load"], url))

    assert line.startswith(f"DATABASE_URL={url}: ")
    assert 'database "no_such_database" does not exist' in line


def test_a_bare_postgresql_url_means_psycopg(folder: Path, postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("bare_url")
    try:
        bare = url.replace("postgresql+psycopg://", "postgresql://")
        result = CliRunner().invoke(app, ["load"], env={"DATABASE_URL": bare})
        assert result.exit_code == 0, result.output
    finally:
        postgres_server.drop_database("bare_url")


def test_check_needs_no_database(folder: Path) -> None:
    result = CliRunner().invoke(
        app, ["check", "--no-run"], env={"DATABASE_URL": "mysql://nowhere/quiz"}
    )

    assert result.exit_code == 0, result.output
