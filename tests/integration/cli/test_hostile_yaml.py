"""Hostile challenge files (alias bombs, a self-containing alias, deep nesting, values Python
cannot build): each is refused with its file:line, and never stops the other files loading.

The files are the corpus cases in tests/data/bad/ with their exact expected lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from app.authoring.loader import MAX_FILE_BYTES
from app.cli import app
from app.domain.clock import system_clock
from app.persistence.database import Database
from app.services.loading import FileStatus
from app.services.watch import Reloader
from tests.integration.cli.test_sets_commands import (
    active_slugs,
    add_bad_file,
    assert_no_traceback,
)

HOSTILE = ["alias_bomb", "anchor_and_alias", "deep_nesting", "recursive_alias", "unreadable_values"]
GOOD_FILES = ["challenges/quick-quiz.yaml", "challenges/small-pattern.yaml"]


def add_hostile_files(project: Path) -> dict[str, list[str]]:
    """Each case copied into challenges/, with the lines it must produce there."""
    return {f"challenges/{case}.yaml": add_bad_file(project, case).splitlines() for case in HOSTILE}


def refusals(expected: dict[str, list[str]]) -> list[str]:
    """What load prints for the refused files, in file order (the good ones sort first)."""
    lines: list[str] = []
    for source, errors in sorted(expected.items()):
        lines += [*errors, f"✗ {source}: not loaded ({len(errors)} error(s))"]
    return lines


def test_load_refuses_each_hostile_file_and_loads_the_good_ones(
    runner: CliRunner, project: Path, project_db: sessionmaker[Session]
) -> None:
    expected = add_hostile_files(project)

    result = runner.invoke(app, ["load"])

    assert result.exit_code == 1
    assert_no_traceback(result)
    total = len(GOOD_FILES) + len(HOSTILE)
    assert result.stderr.splitlines() == [
        *refusals(expected),
        f"{len(GOOD_FILES)} of {total} file(s) loaded",
    ]
    assert active_slugs(project_db) == ["quick-quiz", "small-pattern"]


@pytest.mark.sqlite_only("`quiz check` and `quiz stats` open no database")
def test_check_reports_each_hostile_file_and_passes_the_good_ones(
    runner: CliRunner, project: Path
) -> None:
    expected = add_hostile_files(project)

    result = runner.invoke(app, ["check"])

    assert result.exit_code == 1
    assert_no_traceback(result)
    errors = [line for _source, lines in sorted(expected.items()) for line in lines]
    total = len(GOOD_FILES) + len(HOSTILE)
    assert result.stderr.splitlines() == [
        *errors,
        f"{len(GOOD_FILES)} of {total} file(s) valid, {len(errors)} error(s)",
    ]


def test_a_file_over_one_mib_is_refused_unread_and_the_others_load(
    runner: CliRunner, project: Path, project_db: sessionmaker[Session]
) -> None:
    big = project / "challenges" / "big.yaml"
    big.write_bytes(b"kind: challenge\n" + b"#" * MAX_FILE_BYTES)

    result = runner.invoke(app, ["load"])

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"challenges/big.yaml:1: the file is {MAX_FILE_BYTES + 16} bytes; "
        "a challenge file may be at most 1 MiB"
    )
    assert active_slugs(project_db) == ["quick-quiz", "small-pattern"]


@pytest.mark.parametrize("command", ["serve", "dev"])
def test_serving_starts_with_hostile_files_present(
    runner: CliRunner,
    project: Path,
    project_db: sessionmaker[Session],
    served: dict[str, Any],
    command: str,
) -> None:
    expected = add_hostile_files(project)

    result = runner.invoke(app, [command])

    assert result.exit_code == 0, result.output
    assert_no_traceback(result)
    assert served["app"] == "the app"
    for lines in expected.values():
        for line in lines:
            assert line in result.stderr.splitlines()
    assert f"2 of {2 + len(HOSTILE)} file(s) loaded" in result.stderr
    assert active_slugs(project_db) == ["quick-quiz", "small-pattern"]


def test_a_hostile_file_saved_while_serving_is_reported_and_the_others_stay(
    runner: CliRunner, project: Path, project_db: sessionmaker[Session]
) -> None:
    """What `quiz dev` does on each save: Reloader.reload for the files just written."""
    assert runner.invoke(app, ["load"]).exit_code == 0
    reloader = Reloader(
        Database(project_db.kw["bind"]).units, project / "challenges", clock=system_clock
    )
    reloader.reload()

    expected = add_hostile_files(project)
    report = reloader.reload({project / "challenges" / f"{case}.yaml" for case in HOSTILE})

    assert {o.source: [str(e) for e in o.errors] for o in report.files} == expected
    assert all(o.status is FileStatus.FAILED for o in report.files)
    assert active_slugs(project_db) == ["quick-quiz", "small-pattern"]
