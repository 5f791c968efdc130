"""`quiz load`, `quiz check`, `quiz schema` and `--help`, through Typer's runner (CONTRACT §2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from app.authoring.schema import json_schema
from app.cli import app
from app.persistence.engine import make_engine, make_session_factory
from app.persistence.sets import SetRepository

REPO_ROOT = Path(__file__).resolve().parents[3]
BAD = REPO_ROOT / "tests" / "data" / "bad"


def add_bad_file(project: Path, case: str) -> str:
    """Copy a corpus case into challenges/; return the lines it must produce there."""
    shutil.copy(BAD / f"{case}.yaml", project / "challenges" / f"{case}.yaml")
    expected = (BAD / f"{case}.expected").read_text(encoding="utf-8")
    return expected.replace(f"tests/data/bad/{case}.yaml", f"challenges/{case}.yaml")


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def active_slugs(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return sorted(s.slug for s in SetRepository(session).active())


def test_help_lists_the_commands(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])

    assert result.exit_code == 0
    for command in ("serve", "load", "check", "schema"):
        assert command in result.output


def test_schema_prints_the_committed_json_schema(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema"])

    assert result.exit_code == 0
    printed = json.loads(result.output)
    assert printed == json_schema()
    committed = REPO_ROOT / "challenges" / "challenge.schema.json"
    assert printed == json.loads(committed.read_text(encoding="utf-8"))


def test_load_migrates_a_new_database_and_loads_every_file(
    runner: CliRunner, project: Path, empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    result = runner.invoke(app, ["load"])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "✓ challenges/quick-quiz.yaml: loaded (quick-quiz: 2 problem(s))",
        "✓ challenges/small-pattern.yaml: loaded (small-pattern: 1 flashcard(s), "
        "2 quiz question(s), 1 explain prompt(s), 1 practice problem(s))",
        "2 of 2 file(s) loaded",
    ]
    engine = make_engine(empty_database_url)
    assert active_slugs(make_session_factory(engine)) == ["quick-quiz", "small-pattern"]
    engine.dispose()


def test_load_again_reports_every_file_unchanged(runner: CliRunner, project: Path) -> None:
    runner.invoke(app, ["load"])

    result = runner.invoke(app, ["load"])

    assert result.exit_code == 0
    assert result.stdout.splitlines()[:2] == [
        "· challenges/quick-quiz.yaml: unchanged (quick-quiz: 2 problem(s))",
        "· challenges/small-pattern.yaml: unchanged (small-pattern: 1 flashcard(s), "
        "2 quiz question(s), 1 explain prompt(s), 1 practice problem(s))",
    ]


def test_load_reports_a_retired_set(runner: CliRunner, project: Path) -> None:
    runner.invoke(app, ["load"])
    (project / "challenges" / "quick-quiz.yaml").unlink()

    result = runner.invoke(app, ["load"])

    assert result.exit_code == 0
    assert "- retired quick-quiz: its file is gone (history kept)" in result.stdout


def test_load_with_a_bad_file_loads_the_rest_prints_its_errors_and_exits_1(
    runner: CliRunner, project: Path, project_db: sessionmaker[Session]
) -> None:
    expected = add_bad_file(project, "several_errors")

    result = runner.invoke(app, ["load"])

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert result.stderr == (
        expected + "✗ challenges/several_errors.yaml: not loaded (4 error(s))\n"
        "2 of 3 file(s) loaded\n"
    )
    assert active_slugs(project_db) == ["quick-quiz", "small-pattern"]


def test_load_a_single_file(
    runner: CliRunner, project: Path, project_db: sessionmaker[Session]
) -> None:
    result = runner.invoke(app, ["load", "challenges/quick-quiz.yaml"])

    assert result.exit_code == 0, result.output
    assert active_slugs(project_db) == ["quick-quiz"]


def test_load_of_a_missing_path_exits_1(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(app, ["load", "nowhere"])

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert "nowhere:1: no such file or folder" in result.stderr


@pytest.mark.sqlite_only("its DATABASE_URL is a SQLite path on either engine")
def test_load_with_an_unusable_database_says_so_without_a_traceback(
    runner: CliRunner, project: Path
) -> None:
    (project / "blocker").write_text("a file where a folder should be", encoding="utf-8")
    result = runner.invoke(app, ["load"], env={"DATABASE_URL": f"sqlite:///{project}/blocker/q.db"})

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert result.stderr.startswith(f"DATABASE_URL=sqlite:///{project}/blocker/q.db: ")
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_load_closes_its_connections_to_the_database(
    runner: CliRunner, project: Path, project_db: sessionmaker[Session], database_engine: str
) -> None:
    if database_engine != "postgresql":
        pytest.skip("counts the server's connections: PostgreSQL's pg_stat_activity")
    with project_db() as session:  # this one is ours; the command's must be gone
        result = runner.invoke(app, ["load"])
        others = session.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()

    assert result.exit_code == 0, result.output
    assert others == 0


@pytest.mark.sqlite_only("refused before any database is opened")
def test_unsafe_settings_are_refused_without_a_traceback(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(app, ["load"], env={"QUIZ_ENV": "production"})

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert result.stderr.startswith("settings: QUIZ_SECRET_KEY must be set")


@pytest.mark.sqlite_only("`quiz check` and `quiz stats` open no database")
def test_check_of_good_files_exits_0_and_loads_nothing(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(app, ["check"])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "file                           sets  problems  variants  executed  cached  failures",
        "challenges/quick-quiz.yaml        1         2         0         0       0         0",
        "challenges/small-pattern.yaml     1         5         0         0       0         0",
        "total                             2         7         0         0       0         0",
        "2 of 2 file(s) valid, 0 error(s)",
    ]
    assert not (project / "data").exists()


@pytest.mark.sqlite_only("`quiz check` and `quiz stats` open no database")
def test_check_prints_every_error_and_exits_1(runner: CliRunner, project: Path) -> None:
    expected = add_bad_file(project, "several_errors") + add_bad_file(project, "tab_indentation")

    result = runner.invoke(app, ["check"])

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert result.stderr == expected + "2 of 4 file(s) valid, 5 error(s)\n"


@pytest.mark.sqlite_only("`quiz check` and `quiz stats` open no database")
def test_check_a_single_file(runner: CliRunner, project: Path) -> None:
    expected = add_bad_file(project, "unknown_key")

    result = runner.invoke(app, ["check", "challenges/unknown_key.yaml"])

    assert result.exit_code == 1
    assert result.stderr == expected + "0 of 1 file(s) valid, 1 error(s)\n"


@pytest.mark.sqlite_only("`quiz check` and `quiz stats` open no database")
def test_check_of_a_missing_path_exits_1(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(app, ["check", "nowhere"])

    assert result.exit_code == 1
    assert result.stderr == "nowhere: no such file or folder\n"


@pytest.mark.sqlite_only("`quiz check` and `quiz stats` open no database")
def test_check_json_shape(runner: CliRunner, project: Path) -> None:
    add_bad_file(project, "time_limit_not_a_time")

    result = runner.invoke(app, ["check", "--json"])

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert [(f["file"], f["ok"], f["slug"]) for f in report["files"]] == [
        ("challenges/quick-quiz.yaml", True, "quick-quiz"),
        ("challenges/small-pattern.yaml", True, "small-pattern"),
        ("challenges/time_limit_not_a_time.yaml", False, None),
    ]
    assert report["files"][0]["errors"] == []
    assert report["files"][2]["errors"] == [
        {
            "line": 12,
            "path": "problems[0].time_limit",
            "message": '"2:75" is not a time; write m:ss or whole seconds',
            "text": "challenges/time_limit_not_a_time.yaml:12: problems[0].time_limit: "
            '"2:75" is not a time; write m:ss or whole seconds',
        }
    ]


@pytest.mark.sqlite_only("`quiz check` and `quiz stats` open no database")
def test_check_json_when_all_is_well(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(app, ["check", "--json"])

    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert all(f["ok"] and f["errors"] == [] for f in report["files"])


def test_a_database_that_cannot_be_reached_is_named_without_its_password(
    runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://quiz:s3cret-pw@127.0.0.1:1/quiz")
    result = runner.invoke(app, ["admin", "create", "ada", "--password-stdin"], input="pw\n")
    assert result.exit_code == 1
    assert "database postgresql+psycopg://quiz:***@127.0.0.1:1/quiz: " in result.stderr
    assert "s3cret-pw" not in result.output
