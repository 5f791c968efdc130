"""Processes starting at once against one fresh database migrate and load exactly once,
one at a time under the start-up lock, and then all serve (issue 13, points 1 and 3).

The test holds the start-up lock while the processes start, so every one of them must
find it taken and wait; when it lets go they race for it at once.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from app.persistence.engine import make_engine
from app.persistence.migrations import alembic_config
from app.persistence.startup_lock import startup_lock
from tests.integration.multiprocess.processes import (
    START_DEADLINE,
    AppServer,
    QuizProcess,
    quiz_environment,
)

pytestmark = pytest.mark.multiprocess

WAITING = "Another process is migrating the database or loading challenges: waiting for it"
LOADED = "✓ challenges/exam.yaml: loaded"
UNCHANGED = "· challenges/exam.yaml: unchanged"


def test_processes_starting_at_once_migrate_and_load_once_then_all_serve(
    folder: Path, database_url: str
) -> None:
    env = quiz_environment(database_url, folder)
    engine = make_engine(database_url)
    with ExitStack() as running:
        with startup_lock(engine):
            servers = [running.enter_context(AppServer(f"app{n}", env, folder)) for n in range(3)]
            for server in servers:
                server.wait_for_line(WAITING)
        for server in servers:
            server.wait_until_serving()

        reports = [server.stdout for server in servers]
        assert sum(LOADED in report for report in reports) == 1, reports
        assert sum(UNCHANGED in report for report in reports) == 2, reports
        for server in servers:
            assert "Traceback" not in server.stderr, server.said()
            with server.client() as client:
                listed = client.get("/api/challenges").json()
            assert [entry["slug"] for entry in listed] == ["exam"]

    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        revisions = connection.execute(text("SELECT count(*) FROM problem_revisions")).scalar()
    engine.dispose()
    assert versions == [(ScriptDirectory.from_config(alembic_config()).get_current_head(),)]
    assert revisions == 1


def test_serve_with_workers_loads_once_and_serves_from_that_many_processes(
    folder: Path, database_url: str
) -> None:
    env = quiz_environment(database_url, folder)
    with AppServer("app", env, folder, "--workers", "2") as server:
        server.wait_for_line("Serving torch-quiz on")
        server.wait_until_serving()
        assert LOADED in server.stdout
        assert len(_workers_of(server.process.pid)) == 2
        with server.client() as client:
            assert [entry["slug"] for entry in client.get("/api/challenges").json()] == ["exam"]
        assert server.stop() == 0


def test_quiz_load_waits_for_the_lock_then_loads(folder: Path, database_url: str) -> None:
    engine = make_engine(database_url)
    with startup_lock(engine):
        loading = QuizProcess("load", ["load"], quiz_environment(database_url, folder), folder)
        loading.wait_for_line(WAITING)
        assert LOADED not in loading.stdout
    engine.dispose()
    assert loading.process.wait(START_DEADLINE) == 0, loading.said()
    assert LOADED in loading.stdout


def _workers_of(pid: int) -> list[int]:
    """The uvicorn worker processes among `pid`'s children."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children if b"spawn_main" in _cmdline(int(child))]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""
