"""Review finding (PostgreSQL): /healthz checks the database on the event loop. On
PostgreSQL that is a pool checkout (up to the pool's 30 s timeout when every connection
is busy), a pre-ping and a round trip, or a 10 s connect timeout while the database is
away: every request of the process waits, and the proxy checks every 10 s."""

from __future__ import annotations

import asyncio

import pytest

from app.config import Settings
from app.domain.clock import FakeClock
from app.persistence.database import Database
from app.web.app import create_app
from tests.conftest import FAST_HASHER, TestClient


def test_the_health_check_does_not_block_the_event_loop(
    database_engine: str, settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database_engine != "postgresql":
        pytest.skip("SQLite's SELECT 1 takes microseconds: fine on the loop")
    on_loop: list[bool] = []
    answers = Database.answers

    def recording(self: Database) -> bool:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return answers(self)

    monkeypatch.setattr(Database, "answers", recording)
    app = create_app(settings, clock=clock, password_hasher=FAST_HASHER)
    with TestClient(app) as browser:
        assert browser.get("/healthz").status_code == 200
    assert on_loop == [False]
