"""The `quiz` command run in-process, in a temporary project folder with its own database
(database/quiz.db on SQLite), already migrated: a command finds it at the newest revision."""

from __future__ import annotations

import shutil
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from app.config import Settings
from app.persistence.engine import make_engine, make_session_factory
from tests.databases import Databases

GOOD = Path(__file__).resolve().parents[2] / "data" / "good"


@pytest.fixture
def project_url(template_db: Databases, tmp_path: Path) -> Iterator[str]:
    """The project's database (migrating an empty one is test_migrations.py's business)."""
    with template_db.fresh(tmp_path / "database") as url:
        yield url


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project_url: str) -> Path:
    """A working folder with challenges/ (two snippet-free sets) and DATABASE_URL set.

    The sets carry no code, so nothing here needs the sandbox.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", project_url)
    monkeypatch.setenv("QUIZ_CHALLENGES_DIR", "challenges")
    monkeypatch.setenv("QUIZ_ENV", "development")
    monkeypatch.delenv("QUIZ_SECRET_KEY", raising=False)
    challenges = tmp_path / "challenges"
    challenges.mkdir()
    shutil.copy(GOOD / "quick-quiz.yaml", challenges / "quick-quiz.yaml")
    shutil.copy(GOOD / "small-pattern.yaml", challenges / "small-pattern.yaml")
    return tmp_path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def project_db(project: Path, project_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on the project's database, for looking at what a command stored."""
    engine = make_engine(project_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Stand-ins for the web app and uvicorn, recording what serve hands them."""
    calls: dict[str, Any] = {}

    def create_app(settings: Settings, **extras: object) -> str:
        calls["settings"] = settings
        calls["extras"] = extras
        return "the app"

    def run(asgi_app: object, **options: object) -> None:
        calls["app"] = asgi_app
        calls["options"] = options

    fake_web = types.ModuleType("app.web.app")
    fake_web.create_app = create_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "app.web.app", fake_web)
    monkeypatch.setattr(uvicorn, "run", run)
    return calls
