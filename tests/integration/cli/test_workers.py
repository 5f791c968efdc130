"""`app.cli.workers.worker_app`: what each `quiz serve --workers N` process serves."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from app.cli import workers

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


class RecordingSandbox:
    pool_size = 2
    queue_size = 4

    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def test_a_worker_serves_the_app_and_stops_its_own_sandbox_with_it(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = RecordingSandbox()
    monkeypatch.setattr(workers, "start_or_warn", lambda _settings: sandbox)
    monkeypatch.setenv("QUIZ_SECRET_KEY", "worker-test-key-0123456789-abcdefghijkl")
    app = workers.worker_app()
    assert app.state.sandbox is sandbox

    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/healthz").status_code == 200
        assert sandbox.closed == 0
    assert sandbox.closed == 1
