"""A freshly migrated database per test, a folder of challenge files to edit, and a loader."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.persistence.database import Database
from app.persistence.engine import make_engine, make_session_factory
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services.loading import LoadReport, load_tree

GOOD = Path(__file__).resolve().parents[2] / "data" / "good"

Load = Callable[[], LoadReport]


@pytest.fixture
def db_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db_sessions(db_engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(db_engine)


@pytest.fixture
def db_units(db_engine: Engine) -> UnitOfWorkFactory:
    return Database(db_engine).units


@pytest.fixture
def load_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def challenges_dir(tmp_path: Path) -> Path:
    """A challenges/ folder holding copies of the good fixtures, free to edit."""
    folder = tmp_path / "challenges"
    folder.mkdir()
    shutil.copy(GOOD / "small-challenge.yaml", folder / "small-challenge.yaml")
    shutil.copy(GOOD / "small-pattern.yaml", folder / "small-pattern.yaml")
    return folder


@pytest.fixture
def load(
    db_units: UnitOfWorkFactory,
    db_sessions: sessionmaker[Session],
    challenges_dir: Path,
    load_clock: FakeClock,
) -> Load:
    """Load the folder; the clock moves a minute first, so each load has its own time."""

    def run() -> LoadReport:
        load_clock.advance(60)
        return load_tree(db_units, challenges_dir, clock=load_clock)

    return run
