""" "Run it" on a problem page, through the real sandbox: what the snippet really prints."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.clock import FakeClock
from app.sandbox.client import Sandbox
from app.web.app import create_app
from tests.conftest import FAST_HASHER, PASSWORD, TestClient
from tests.integration.web.helpers import HX, csrf, finish_run, run_id_of, start_run, text


def test_the_snippet_and_an_edit_run_in_the_sandbox(
    settings: Settings, clock: FakeClock, loaded: sessionmaker[Session], sandbox: Sandbox
) -> None:
    app = create_app(settings, clock=clock, sandbox=sandbox, password_hasher=FAST_HASHER)
    with TestClient(app) as browser:
        browser.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
        url = start_run(browser)
        token = csrf(browser.get(url).text)
        browser.post(url + "/answer", data={"answer": "(2, 3, 5)", "csrf_token": token})
        snippet = "import torch\noutput = torch.zeros(2, 3, 5)\nprint(output.shape)\n"
        page = browser.post(url + "/run", data={"code": snippet, "csrf_token": token})
        assert page.status_code == 200
        assert "stdout torch.Size([2, 3, 5])" in text(page.text)
        assert "output torch.Size([2, 3, 5])" in text(page.text)  # the tensors' table
        finish_run(browser, run_id_of(url))  # an edit runs once the whole run is over
        edit = "import torch\noutput = torch.ones(4, 1) @ torch.ones(2, 2)\n"
        panel = browser.post(url + "/run", data={"code": edit, "csrf_token": token}, headers=HX)
        assert panel.status_code == 200
        assert "Raised an exception" in text(panel.text)
        assert '<strong class="exception-class">RuntimeError</strong>' in panel.text
