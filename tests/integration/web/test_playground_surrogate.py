"""Review finding: a result holding a lone surrogate (a snippet's own exception message,
`raise ValueError("\\udc80")`) made the playground answer 500 (unencodable JSON)."""

from __future__ import annotations

from app.config import Settings
from app.domain.clock import FakeClock
from app.sandbox.protocol import SnippetJob, SnippetResult
from app.web.app import create_app
from tests.conftest import FAST_HASHER, PASSWORD, TestClient


class _Runner:
    async def run_async(self, job: SnippetJob) -> SnippetResult:
        # What the sandbox returns for: raise ValueError("m\udc80")
        return SnippetResult(status="error", exception="ValueError", exception_message="m\udc80")


def test_a_result_with_a_lone_surrogate_is_answered(
    settings: Settings, clock: FakeClock, loaded
) -> None:
    app = create_app(settings, clock=clock, sandbox=_Runner(), password_hasher=FAST_HASHER)
    with TestClient(app, raise_server_exceptions=False) as browser:
        browser.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
        ran = browser.post("/api/playground/run", json={"code": 'raise ValueError("x")'})
    assert ran.status_code == 200, ran.text[:200]
    assert ran.json()["exception"] == "ValueError"
