"""deploy/compose.yaml and deploy/Caddyfile, read as files: no Docker engine runs here
(docs/deployment.md). What can be checked without one is: which container holds which
secret and reaches which network, that the names agree across the files, and that the
app and sandbox containers' environments are settings the app accepts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.config import SandboxSettings, Settings

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
ENTRYPOINT_NAMES = {"QUIZ_SECRET_KEY", "QUIZ_SANDBOX_TOKEN", "DATABASE_URL", "PGPASSWORD"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def services(compose: dict[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if name.startswith(prefix)}


def test_learner_code_runs_where_no_database_secret_or_site_key_is(
    compose: dict[str, Any],
) -> None:
    sandboxes = services(compose, "sandbox-")
    assert len(sandboxes) >= 1
    for service in sandboxes.values():
        assert service["command"][:3] == ["quiz", "sandbox", "serve"]
        assert service["secrets"] == ["quiz_sandbox_token"]
        assert service["networks"] == ["sandboxes"]
        assert not any("DATABASE" in name or "PG" in name for name in service["environment"])
        assert "QUIZ_SECRET_KEY" not in str(service["environment"])
    assert compose["networks"]["sandboxes"]["internal"] is True
    assert compose["networks"]["data"]["internal"] is True
    assert compose["services"]["db"]["networks"] == ["data"]
    assert "ports" not in compose["services"]["db"]


def test_app_containers_reach_every_sandbox_and_believe_only_the_proxy(
    compose: dict[str, Any],
) -> None:
    apps = services(compose, "app-")
    sandboxes = services(compose, "sandbox-")
    proxy_address = compose["services"]["proxy"]["networks"]["edge"]["ipv4_address"]
    assert len(apps) >= 2
    for service in apps.values():
        env = service["environment"]
        assert env["QUIZ_SANDBOX_URL"].split(",") == [f"http://{n}:8100" for n in sandboxes]
        assert env["QUIZ_TRUSTED_PROXIES"] == proxy_address
        assert set(service["networks"]) == {"edge", "data", "sandboxes"}
        assert "--workers" in service["command"]


def test_the_proxy_balances_over_exactly_the_app_containers(compose: dict[str, Any]) -> None:
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddyfile)
    assert upstreams is not None
    assert upstreams.group(1).split() == [f"{name}:8000" for name in services(compose, "app-")]
    assert "health_uri /healthz" in caddyfile


def test_secrets_come_from_ignored_files_through_the_entrypoint(
    compose: dict[str, Any],
) -> None:
    declared = compose["secrets"]
    for name, secret in declared.items():
        assert secret["file"] == f"./secrets/{name}"
    for name, service in compose["services"].items():
        for used in service.get("secrets", []):
            assert used in declared, name
        for variable, value in service.get("environment", {}).items():
            if variable.endswith("_FILE") and name != "db":  # db: the postgres image's own
                assert variable.removesuffix("_FILE") in ENTRYPOINT_NAMES, variable
                assert value.removeprefix("/run/secrets/") in service["secrets"], variable
    assert "deploy/secrets" in (ROOT / ".dockerignore").read_text().split()
    assert "/deploy/secrets/" in (ROOT / ".gitignore").read_text().split()


DOMAIN = "${QUIZ_DOMAIN:?set QUIZ_DOMAIN to the site's name}"  # compose fills it in


def _as_the_entrypoint_leaves_it(environment: dict[str, str]) -> dict[str, str]:
    env = {k: v.replace(DOMAIN, "quiz.example.org") for k, v in environment.items()}
    for variable in environment:
        if variable.endswith("_FILE"):
            del env[variable]
            env[variable.removesuffix("_FILE")] = "s" * 48  # a secret file's contents
    return env


def test_the_containers_environments_are_settings_the_app_accepts(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for service in [*services(compose, "app-").values(), *services(compose, "sandbox-").values()]:
        env = _as_the_entrypoint_leaves_it(service["environment"])
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        sandbox = SandboxSettings()
        assert sandbox.sandbox_token == "s" * 48
        if service["command"][1] == "serve":
            settings = Settings()
            assert settings.public_url == "https://quiz.example.org"
            assert settings.host_names[0] == "quiz.example.org"
            assert settings.database_url.startswith("postgresql+psycopg://quiz@db:5432/")
            assert sandbox.sandbox_urls == ["http://sandbox-1:8100", "http://sandbox-2:8100"]
        for name in env:
            monkeypatch.delenv(name)
