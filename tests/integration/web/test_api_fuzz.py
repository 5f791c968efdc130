"""The JSON API fuzzed from its own OpenAPI description (schemathesis): no input makes it
answer 500, and every answer it documents matches its documented schema.

A learner is signed in with a run started; each operation gets valid and invalid
inputs (schemathesis' positive and negative modes), half of them aimed at that run and
set rather than random ids, so the fuzz reaches past 404. Deterministic: Hypothesis is
derandomized and keeps no example database, and the clock is the FakeClock.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.clock import FakeClock
from app.web.app import create_app
from tests.conftest import FAST_HASHER, PASSWORD, TestClient
from tests.fakes import FakeRunner

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
    )

EXAMPLES_PER_OPERATION = 30
LAST = ("/api/auth/logout",)  # it signs the learner out: fuzzed once the rest is done
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _signed_in_with_a_run(client: TestClient) -> dict[str, Any]:
    response = client.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
    assert response.status_code == 201, response.text
    run = client.post("/api/challenges/gru-test/runs", json={}).json()
    client.get(f"/api/runs/{run['run_id']}/problems/1")  # its clock started
    return {"run_id": run["run_id"], "slug": "gru-test", "n": 1, "learner_id": 1}


def _operations(app: FastAPI) -> list[Any]:
    schema = schemathesis.openapi.from_dict(app.openapi())
    found = [result.ok() for result in schema.get_all_operations()]
    return sorted(found, key=lambda operation: operation.path in LAST)


def _cases(operation: Any, real: dict[str, Any]) -> st.SearchStrategy[Any]:
    names = {p.name for p in operation.path_parameters}
    aimed = {name: real[name] for name in names if name in real}
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    if aimed:
        strategies += [
            operation.as_strategy(generation_mode=mode, path_parameters=aimed) for mode in modes
        ]
    return st.one_of(strategies)


@pytest.fixture
def app(settings: Settings, clock: FakeClock, loaded: sessionmaker[Session]) -> FastAPI:
    # With a stand-in sandbox: without one the playground answers 503, a server error too.
    return create_app(settings, clock=clock, sandbox=FakeRunner(), password_hasher=FAST_HASHER)


@pytest.mark.filterwarnings("ignore")
def test_the_api_answers_no_500_and_keeps_to_its_schema(app: FastAPI) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        real = _signed_in_with_a_run(client)
        tried = 0
        for operation in _operations(app):

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=_cases(operation, real))
            def fuzz(case: Any) -> None:
                sent = case.as_transport_kwargs(base_url="http://testserver")
                # Past the API's CSRF rule, which a body-less POST would otherwise meet.
                sent["headers"] = {**sent.get("headers", {}), "X-Requested-With": "fuzz"}
                sent.pop("cookies", None)
                response = client.request(**sent)
                case.validate_response(response, checks=CHECKS)

            fuzz()
            tried += 1
        assert tried >= 15  # every operation of the API, not an empty description


# What the fuzz found, each as a plain test.


def test_a_user_error_422_is_documented(client: TestClient) -> None:
    """A 422 is also `{"detail": "...", "error": ...}`; the docs said only FastAPI's list."""
    docs = client.get("/openapi.json").json()
    answer = docs["paths"]["/api/auth/register"]["post"]["responses"]["422"]
    either = answer["content"]["application/json"]["schema"]["anyOf"]
    assert {"$ref": "#/components/schemas/UserError"} in either
    assert docs["components"]["schemas"]["UserError"]["required"] == ["detail", "error"]
    refused = client.post("/api/auth/register", json={"username": "", "password": PASSWORD})
    assert refused.status_code == 422
    assert set(refused.json()) == {"detail", "error"}


def test_the_issuer_key_s_content_type_is_documented(client: TestClient) -> None:
    docs = client.get("/openapi.json").json()
    for path, media in (
        ("/issuer/key", "application/jwk+json"),
        ("/.well-known/jwks.json", "application/jwk-set+json"),
    ):
        assert list(docs["paths"][path]["get"]["responses"]["200"]["content"]) == [media]
        assert client.get(path).headers["content-type"] == media
