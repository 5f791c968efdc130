"""Shared fixtures: a migrated database per test, a FakeClock, the app and a client.

Migrations run once per session and engine into a template that each test copies (see
tests/databases.py), so every test still gets a database built by Alembic (the only
schema source) without paying for the upgrade each time.

Integration tests run on both engines, SQLite and PostgreSQL (a throwaway server,
tests/postgres.py): their ids say which, `test_x[postgresql]`. Mark a test
`@pytest.mark.sqlite_only("why")` when what it checks exists on SQLite alone. Unit,
sandbox and browser tests use SQLite.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy import create_engine as real_create_engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.challenge import ChallengeSet
from app.domain.clock import Clock, FakeClock
from app.persistence import engine as engine_module
from app.persistence.database import Database
from app.persistence.engine import make_engine, make_session_factory
from app.persistence.sets import SetRepository
from app.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests import builders
from tests.databases import ENGINES, Databases, PostgresDatabases, SqliteDatabases
from tests.postgres import PostgresServer
from tests.postgres import available as postgres_available

with warnings.catch_warnings():
    # Starlette would prefer the `httpx2` fork; plain httpx works the same for tests.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

# Cheap hashing for tests; production uses argon2-cffi's defaults.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse battery"


BOTH_ENGINES = ("tests/integration/",)
SQLITE_ONLY = ("tests/integration/sandbox/",)  # the OS sandbox; the database is incidental


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Integration tests that use a database run once per engine."""
    if "database_engine" not in metafunc.fixturenames:
        return
    path = metafunc.definition.path.as_posix()
    if not any(part in path for part in BOTH_ENGINES) or any(p in path for p in SQLITE_ONLY):
        return  # SQLite, without a parameter
    both = metafunc.definition.get_closest_marker("sqlite_only") is None
    engines = ENGINES if both else ENGINES[:1]
    metafunc.parametrize("database_engine", engines, indirect=True, scope="session")


@pytest.fixture(scope="session")
def database_engine(request: pytest.FixtureRequest) -> str:
    """The engine under test: "sqlite" or "postgresql"."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the session, started on first use.

    Without Debian's binaries the PostgreSQL tests are skipped, or fail under `make
    test` (QUIZ_TEST_POSTGRES=required), which installs them first.
    """
    if not postgres_available():
        if os.environ.get("QUIZ_TEST_POSTGRES") == "required":
            pytest.fail("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin)")
        pytest.skip("PostgreSQL is not installed: `make test` installs it")
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session")
def template_db(
    database_engine: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Databases:
    if database_engine == "postgresql":
        return PostgresDatabases(request.getfixturevalue("postgres_server"))
    return SqliteDatabases(tmp_path_factory.mktemp("template"))


@pytest.fixture
def database_url(template_db: Databases, tmp_path: Path) -> Iterator[str]:
    """A fresh database, migrated to head."""
    with template_db.fresh(tmp_path) as url:
        yield url


@pytest.fixture
def empty_database_url(template_db: Databases, tmp_path: Path) -> Iterator[str]:
    """A fresh database without a single table (for migrations and first runs)."""
    with template_db.fresh(tmp_path / "empty", migrated=False) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        DATABASE_URL=database_url,
        QUIZ_SECRET_KEY="test-secret-key-that-is-long-enough-0123456789",
        QUIZ_CHALLENGES_DIR=tmp_path / "challenges",
        QUIZ_DATA_DIR=tmp_path / "data",
        # TestClient sends `Host: testserver`; the app answers only its own names.
        QUIZ_ALLOWED_HOSTS="testserver",
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture(autouse=True)
def _engines_disposed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every engine the app makes during a test is disposed when the test ends.

    An app whose lifespan never ran (a TestClient used without `with`) keeps its pool
    open; on PostgreSQL those connections would be garbage-collected open later, in
    another test (psycopg warns, and warnings are errors here).
    """
    made: list[Engine] = []

    def create_engine(*args: Any, **kwargs: Any) -> Engine:
        made.append(real_create_engine(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(engine_module, "create_engine", create_engine)
    yield
    for engine in made:
        engine.dispose()


def unit_of(sessions: sessionmaker[Session]) -> UnitOfWork:
    """A unit of work on the engine a test's session factory is bound to."""
    return UnitOfWork(sessions.kw["bind"])


@pytest.fixture
def database(engine: Engine) -> Database:
    return Database(engine)


@pytest.fixture
def units(database: Database) -> UnitOfWorkFactory:
    """What a service is given: a new unit of work per call (as the CLI calls them)."""
    return database.units


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def save_sets(sessions: sessionmaker[Session], clock: Clock, *sets: ChallengeSet) -> None:
    with unit_of(sessions) as uow:
        for challenge_set in sets:
            SetRepository(uow.session).save(challenge_set, source_path="test", now=clock())
        uow.commit()


@pytest.fixture
def loaded(sessions: sessionmaker[Session], clock: FakeClock) -> sessionmaker[Session]:
    """The database with the test challenge and pattern sets in it."""
    save_sets(sessions, clock, builders.challenge(), builders.pattern())
    return sessions


@pytest.fixture
def app(settings: Settings, clock: FakeClock, loaded: sessionmaker[Session]) -> FastAPI:
    from app.web.app import create_app

    return create_app(settings, clock=clock, password_hasher=FAST_HASHER)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def api(client: TestClient) -> TestClient:
    """A client signed in as `ada` through the JSON API."""
    response = client.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
    assert response.status_code == 201, response.text
    return client


@pytest.hookimpl(trylast=True)  # after pytest groups the tests by engine
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running on the main
    thread for the rest of the session, and tests that call asyncio.run() need it free."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))
