"""`quiz serve` migrates and loads challenges/ before it serves (the server itself is faked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from app.cli import app
from app.persistence.sets import SetRepository


def test_serve_migrates_loads_then_serves(
    runner: CliRunner,
    project: Path,
    project_db: sessionmaker[Session],
    served: dict[str, Any],
) -> None:
    result = runner.invoke(app, ["serve", "--port", "9123"])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-2:] == [
        "2 of 2 file(s) loaded",
        "Serving torch-quiz on http://127.0.0.1:9123",
    ]
    assert (
        "QUIZ_SECRET_KEY is not set: signing with the key kept in data/secret_key" in result.stderr
    )
    assert (project / "data" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert served["app"] == "the app"
    assert served["options"] == {
        "host": "127.0.0.1",
        "port": 9123,
        "log_level": "info",
        "proxy_headers": False,  # X-Forwarded-For from a local process names no one
        "forwarded_allow_ips": None,
    }
    with project_db() as session:
        assert sorted(s.slug for s in SetRepository(session).active()) == [
            "quick-quiz",
            "small-pattern",
        ]


def test_serve_still_serves_when_a_file_is_bad(
    runner: CliRunner, project: Path, served: dict[str, Any]
) -> None:
    (project / "challenges" / "broken.yaml").write_text("kind: nonsense\n", encoding="utf-8")

    result = runner.invoke(app, ["serve"])

    assert result.exit_code == 0, result.output
    assert "challenges/broken.yaml:1: kind: " in result.stderr
    assert "2 of 3 file(s) loaded" in result.stderr
    assert served["options"]["port"] == 8000


def test_serve_on_every_interface_says_which_hosts_it_answers(
    runner: CliRunner, project: Path, served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "QUIZ_PUBLIC_URL is http://127.0.0.1:8000: requests naming any other host" in (
        result.stderr
    )
    monkeypatch.setenv("QUIZ_PUBLIC_URL", "https://quiz.example.org")
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert "QUIZ_PUBLIC_URL" not in result.stderr
    assert served["settings"].host_names[0] == "quiz.example.org"


def test_serve_believes_forwarded_addresses_only_from_the_configured_proxies(
    runner: CliRunner, project: Path, served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZ_TRUSTED_PROXIES", "10.0.0.5,10.0.0.6")
    result = runner.invoke(app, ["serve", "--port", "9124"])
    assert result.exit_code == 0, result.output
    assert served["options"]["proxy_headers"] is True
    assert served["options"]["forwarded_allow_ips"] == "10.0.0.5,10.0.0.6"


def test_serve_with_workers_loads_here_then_hands_uvicorn_the_worker_factory(
    runner: CliRunner,
    project: Path,
    project_db: sessionmaker[Session],
    served: dict[str, Any],
) -> None:
    result = runner.invoke(app, ["serve", "--port", "9125", "--workers", "3"])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-2:] == [
        "2 of 2 file(s) loaded",
        "Serving torch-quiz on http://127.0.0.1:9125 from 3 processes",
    ]
    # Each worker builds its own app (and sandbox): uvicorn imports and calls the factory.
    assert served["app"] == "app.cli.workers:worker_app"
    assert "settings" not in served  # nothing built the app in this process
    options = served["options"]
    assert (options["factory"], options["workers"], options["port"]) == (True, 3, 9125)
    assert options["timeout_worker_healthcheck"] >= 30
    with project_db() as session:
        assert len(SetRepository(session).active()) == 2


def test_serve_refuses_reload_with_workers_and_a_count_out_of_range(
    runner: CliRunner, project: Path, served: dict[str, Any]
) -> None:
    result = runner.invoke(app, ["serve", "--reload", "--workers", "2"])
    assert result.exit_code == 1
    assert "--reload watches challenges/ from one process: drop --workers" in result.stderr

    result = runner.invoke(app, ["serve", "--workers", "0"])
    assert result.exit_code == 2
    assert "Invalid value for '--workers'" in result.stderr
    assert "app" not in served
