"""The app with its sandbox on a sandbox service (QUIZ_SANDBOX_URL): the playground and
"Run it" go through it, answer 503 with a plain message while no service answers (and
everything else keeps working), and work again once one is back."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.clock import FakeClock
from app.sandbox.client import Sandbox
from app.sandbox.remote import RemoteSandbox
from app.sandbox.service import service_app
from app.web.app import create_app
from tests.conftest import FAST_HASHER, PASSWORD, TestClient
from tests.integration.sandbox.test_service import TOKEN
from tests.integration.web.helpers import HX, csrf, start_run, text
from tests.live_server import LiveServer, free_port

SNIPPET = "import torch\noutput = torch.zeros(2, 3, 5)\nprint(output.shape)\n"
DOWN = "The code runner is not available on this server: no sandbox service answered"


def test_the_playground_follows_the_service_down_and_back(
    settings: Settings, clock: FakeClock, loaded: sessionmaker[Session], sandbox: Sandbox
) -> None:
    port = free_port()
    service = service_app(sandbox, token=TOKEN)
    remote = RemoteSandbox([f"http://127.0.0.1:{port}"], TOKEN)
    app = create_app(settings, clock=clock, sandbox=remote, password_hasher=FAST_HASHER)
    with TestClient(app) as browser:
        browser.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
        with LiveServer(service, port=port):  # type: ignore[arg-type]
            ran = browser.post("/api/playground/run", json={"code": "print(6 * 7)"})
            assert ran.status_code == 200
            assert ran.json()["stdout"] == "42\n"

        down = browser.post("/api/playground/run", json={"code": "print(6 * 7)"})
        assert down.status_code == 503
        assert down.json()["detail"].startswith(DOWN)
        # Everything else works: a run starts, its page shows, an answer counts.
        url = start_run(browser)
        token = csrf(browser.get(url).text)
        answered = browser.post(url + "/answer", data={"answer": "(2, 3, 5)", "csrf_token": token})
        assert answered.status_code == 200
        assert "Correct" in text(answered.text)
        run_it = browser.post(url + "/run", data={"code": SNIPPET, "csrf_token": token})
        assert run_it.status_code == 503
        assert DOWN in text(run_it.text)
        panel = browser.post(url + "/run", data={"code": SNIPPET, "csrf_token": token}, headers=HX)
        assert panel.status_code == 503
        assert DOWN in text(panel.text)

        with LiveServer(service, port=port):  # type: ignore[arg-type]
            back = browser.post(url + "/run", data={"code": SNIPPET, "csrf_token": token})
            assert back.status_code == 200
            assert "stdout torch.Size([2, 3, 5])" in text(back.text)
