"""Loading challenge files (app.services.loading) against a FakeUnitOfWork: the service's
own rules, without a database. tests/integration/loading checks the same against SQLite."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import cast

import pytest

from app.authoring.errors import AuthoringError
from app.authoring.loader import ParsedFile
from app.domain.clock import FakeClock
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services.loading import FileStatus, LoadReport, Verification, Verifier, load_tree
from tests.fake_unit_of_work import FakeUnits, SetRow

GOOD = Path(__file__).resolve().parents[2] / "data" / "good"
SLUG = "small-challenge"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "challenges"
    folder.mkdir()
    shutil.copy(GOOD / f"{SLUG}.yaml", folder / f"{SLUG}.yaml")
    return folder


@pytest.fixture
def units() -> FakeUnits:
    return FakeUnits()


def load(units: FakeUnits, folder: Path, verify: Verifier | None = None) -> LoadReport:
    clock = FakeClock()
    return load_tree(cast(UnitOfWorkFactory, units), folder, clock=clock, verify=verify)


def stored(units: FakeUnits) -> SetRow:
    (row,) = [row for row in units.db.tables.sets.values() if row.slug == SLUG]
    return row


def keys(units: FakeUnits, row: SetRow) -> list[str]:
    return [units.db.revisions[ref.id].problem.key for ref in row.revisions]


def test_a_new_set_is_stored_with_a_revision_per_problem(units: FakeUnits, folder: Path) -> None:
    report = load(units, folder)

    (outcome,) = report.files
    assert outcome.status is FileStatus.LOADED
    assert outcome.save is not None
    assert outcome.save.created
    row = stored(units)
    assert (row.title, row.retired) == ("Small Challenge", False)
    assert row.source_path == str((folder / f"{SLUG}.yaml").resolve())
    assert keys(units, row) == ["linear-shape", "relu-range", "matmul-error"]
    assert outcome.save.new_revisions == 3
    assert any(unit.committed for unit in units.made)


def test_an_unchanged_file_changes_nothing(units: FakeUnits, folder: Path) -> None:
    load(units, folder)
    before = (stored(units).revisions, dict(units.db.revisions))

    (outcome,) = load(units, folder).files

    assert outcome.status is FileStatus.UNCHANGED
    assert outcome.save is not None
    assert (outcome.save.changed, outcome.save.new_revisions) == (False, 0)
    assert (stored(units).revisions, dict(units.db.revisions)) == before


def test_a_changed_problem_gets_a_new_revision_and_keeps_the_old(
    units: FakeUnits, folder: Path
) -> None:
    load(units, folder)
    old = {units.db.revisions[ref.id].problem.key: ref for ref in stored(units).revisions}
    path = folder / f"{SLUG}.yaml"
    path.write_text(
        path.read_text().replace("Which values can `relu(x)` take?", "What can `relu(x)` be?")
    )

    (outcome,) = load(units, folder).files

    assert outcome.status is FileStatus.UPDATED
    assert outcome.save is not None
    assert outcome.save.new_revisions == 1
    new = {units.db.revisions[ref.id].problem.key: ref for ref in stored(units).revisions}
    assert new["relu-range"].id != old["relu-range"].id
    assert new["relu-range"].problem_id == old["relu-range"].problem_id  # the same problem
    assert units.db.revisions[new["relu-range"].id].problem.prompt == "What can `relu(x)` be?"
    assert old["relu-range"].id in units.db.revisions  # history keeps the earlier revision
    assert new["linear-shape"] == old["linear-shape"]
    assert new["matmul-error"] == old["matmul-error"]


def test_a_file_that_fails_verification_stores_nothing(units: FakeUnits, folder: Path) -> None:
    def refuse(parsed: ParsedFile) -> Verification:
        lie = AuthoringError(parsed.source, 22, ("problems", 0, "answer"), "the snippet lies")
        return Verification(errors=[lie])

    (outcome,) = load(units, folder, verify=refuse).files

    assert outcome.status is FileStatus.FAILED
    assert [error.message for error in outcome.errors] == ["the snippet lies"]
    assert units.db.tables.sets == {}
    assert units.db.revisions == {}


def test_what_verification_found_is_stored_on_the_revision(units: FakeUnits, folder: Path) -> None:
    def verify(parsed: ParsedFile) -> Verification:
        return Verification(executed={"linear-shape": {"status": "ok", "shape": [8, 2]}})

    load(units, folder, verify=verify)

    found = {units.db.revisions[ref.id].problem.key: ref for ref in stored(units).revisions}
    assert units.db.revisions[found["linear-shape"].id].executed == {
        "status": "ok",
        "shape": [8, 2],
    }
