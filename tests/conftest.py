"""Shared fixtures: a migrated SQLite database per test, a FakeClock, the app and a client.

Migrations run once per session into a template file that each test copies, so every
test still gets a database built by Alembic (the only schema source) without paying
for the upgrade each time.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.challenge import ChallengeSet
from app.domain.clock import Clock, FakeClock
from app.persistence.database import Database
from app.persistence.engine import make_engine, make_session_factory
from app.persistence.migrations import upgrade
from app.persistence.sets import SetRepository
from app.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests import builders

with warnings.catch_warnings():
    # Starlette would prefer the `httpx2` fork; plain httpx works the same for tests.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

# Cheap hashing for tests; production uses argon2-cffi's defaults.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "quiz.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def settings(tmp_path: Path, template_db: Path) -> Settings:
    db = tmp_path / "quiz.db"
    shutil.copy(template_db, db)
    return Settings(
        DATABASE_URL=f"sqlite:///{db}",
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
    with UnitOfWork(sessions) as uow:
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running on the main
    thread for the rest of the session, and tests that call asyncio.run() need it free."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))
