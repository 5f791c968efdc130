"""The start-up lock: one holder at a time; a second one is told, waits, then holds it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.persistence.engine import make_engine
from app.persistence.startup_lock import lock_file_of, startup_lock
from tests.postgres import available, shared_server

needs_postgres = pytest.mark.skipif(not available(), reason="PostgreSQL is not installed")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A SQLite file, or a database on the throwaway PostgreSQL server."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'quiz.db'}")
        yield engine
        engine.dispose()
        return
    server = shared_server()
    name = f"startup_lock_{tmp_path.name}".lower()
    engine = make_engine(server.create_database(name))
    yield engine
    engine.dispose()
    server.drop_database(name)


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'quiz.db'}")
    yield engine
    engine.dispose()


def test_a_second_holder_waits_until_the_first_lets_go(database: Engine) -> None:
    told_to_wait = threading.Event()
    holding = threading.Event()

    def second() -> None:
        with startup_lock(database, on_wait=told_to_wait.set):
            holding.set()

    with startup_lock(database):
        waiter = threading.Thread(target=second)
        waiter.start()
        assert told_to_wait.wait(timeout=60), "the second holder never found the lock taken"
        assert not holding.is_set()
    waiter.join(timeout=60)
    assert holding.is_set()


def test_a_free_lock_is_taken_without_waiting(database: Engine) -> None:
    waited: list[bool] = []
    with startup_lock(database, on_wait=lambda: waited.append(True)):
        pass
    with startup_lock(database, on_wait=lambda: waited.append(True)):
        pass
    assert waited == []


def test_the_lock_file_sits_beside_the_database_readable_by_its_owner_only(
    sqlite_file: Engine, tmp_path: Path
) -> None:
    with startup_lock(sqlite_file):
        path = lock_file_of(sqlite_file)
        assert path == tmp_path / "data" / "quiz.db.startup-lock"
        assert path.stat().st_mode & 0o777 == 0o600


def test_a_database_in_memory_needs_no_lock() -> None:
    engine = make_engine("sqlite:///:memory:")
    assert lock_file_of(engine) is None
    with startup_lock(engine), startup_lock(engine):  # nested: nothing to wait for
        pass
    engine.dispose()
