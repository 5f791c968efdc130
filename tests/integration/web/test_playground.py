"""POST /api/playground/run with a stand-in sandbox (the real one is tested by its owner)."""

from __future__ import annotations

from app.sandbox.errors import SandboxUnavailable
from app.sandbox.protocol import SnippetResult
from app.web.app import create_app
from tests.conftest import FAST_HASHER, PASSWORD, TestClient
from tests.fakes import FakeRunner

HI = SnippetResult(status="ok", stdout="hi\n", duration_ms=3.0, tensors={"x": [2, 3]})


def signed_in(settings, clock, loaded, sandbox: FakeRunner) -> TestClient:
    app = create_app(settings, clock=clock, sandbox=sandbox, password_hasher=FAST_HASHER)
    client = TestClient(app)
    client.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
    return client


def test_runs_the_snippet_and_reports_shapes(settings, clock, loaded) -> None:
    sandbox = FakeRunner(HI)
    with signed_in(settings, clock, loaded, sandbox) as client:
        body = client.post("/api/playground/run", json={"code": "x = 1"}).json()
    assert body["status"] == "ok"
    assert body["stdout"] == "hi\n"
    assert body["tensors"] == {"x": [2, 3]}
    assert {"exception", "duration_ms", "stderr"} <= body.keys()
    assert sandbox.jobs[0].collect_shapes


def test_rate_limited_per_learner(settings, clock, loaded) -> None:
    with signed_in(settings, clock, loaded, FakeRunner(HI)) as client:
        codes = [
            client.post("/api/playground/run", json={"code": "1"}).status_code for _ in range(11)
        ]
        assert codes[:10] == [200] * 10
        assert codes[10] == 429
        clock.advance(0.5)  # 2 runs a second sustained
        assert client.post("/api/playground/run", json={"code": "1"}).status_code == 200


def test_unavailable_sandbox_is_503(settings, clock, loaded) -> None:
    with signed_in(
        settings, clock, loaded, FakeRunner(error=SandboxUnavailable("no isolation here"))
    ) as client:
        assert client.post("/api/playground/run", json={"code": "1"}).status_code == 503
        client.post("/api/auth/logout", json={})
        assert client.post("/api/playground/run", json={"code": "1"}).status_code == 401
