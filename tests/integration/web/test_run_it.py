""" "Run it" on a problem page: only once the problem is over, with and without htmx.

The sandbox is a stand-in (tests.fakes.FakeRunner); the real one runs the page in
tests/integration/sandbox/test_run_it_page.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.clock import FakeClock
from app.sandbox.errors import SandboxBusy, SandboxUnavailable
from app.sandbox.protocol import SnippetResult
from app.web.app import create_app
from tests.builders import shape_problem
from tests.conftest import FAST_HASHER, TestClient
from tests.fakes import FakeRunner
from tests.integration.web.helpers import HX, csrf, finish_run, run_id_of, start_run, text

SNIPPET = shape_problem().code or ""
NOT_YET = "You can run this code once the problem is over."


@pytest.fixture
def runner() -> FakeRunner:
    return FakeRunner()


@pytest.fixture
def app(
    settings: Settings, clock: FakeClock, loaded: sessionmaker[Session], runner: FakeRunner | None
) -> FastAPI:
    return create_app(settings, clock=clock, sandbox=runner, password_hasher=FAST_HASHER)


def answer(browser: TestClient, url: str, text: str) -> None:
    token = csrf(browser.get(url).text)
    browser.post(url + "/answer", data={"answer": text, "csrf_token": token})


def answered_right(browser: TestClient, url: str, clock: FakeClock) -> None:
    answer(browser, url, "(2, 3, 5)")


def out_of_attempts(browser: TestClient, url: str, clock: FakeClock) -> None:
    answer(browser, url, "(1, 1)")
    answer(browser, url, "(2, 2)")


def timed_out(browser: TestClient, url: str, clock: FakeClock) -> None:
    browser.get(url)  # starts the 2:00 clock
    clock.advance(120 + 3)  # the deadline and its 2 s grace


Ending = Callable[[TestClient, str, FakeClock], None]


@pytest.fixture
def over(browser: TestClient, clock: FakeClock) -> str:
    """The URL of problem 1 (the shape snippet), answered right."""
    url = start_run(browser)
    answered_right(browser, url, clock)
    return url


@pytest.fixture
def run_over(browser: TestClient, over: str) -> str:
    """The URL of problem 1 once every problem of its run is over."""
    finish_run(browser, run_id_of(over))
    return over


def run(browser: TestClient, url: str, code: str = SNIPPET, **kwargs: Any) -> httpx.Response:
    token = csrf(browser.get(url).text)
    return browser.post(url + "/run", data={"code": code, "csrf_token": token}, **kwargs)


def test_hidden_and_refused_before_the_problem_is_over(
    browser: TestClient, runner: FakeRunner
) -> None:
    url = start_run(browser)
    html = browser.get(url).text
    assert "Run it" not in html
    assert 'name="code"' not in html
    for headers in ({}, HX):
        refused = run(browser, url, headers=headers)
        assert refused.status_code == 409
        assert NOT_YET in text(refused.text)
    assert runner.jobs == []
    assert "Attempts: <strong>2 left</strong>" in browser.get(url).text  # nothing changed


@pytest.mark.parametrize("end", [answered_right, out_of_attempts, timed_out])
def test_shown_once_the_problem_is_over(
    browser: TestClient, clock: FakeClock, runner: FakeRunner, end: Ending
) -> None:
    url = start_run(browser)
    end(browser, url, clock)
    html = browser.get(url).text
    assert "▶ Run it" in text(html)
    assert '<label for="run-code">Code to run</label>' in html
    assert "output = torch.zeros(2, 3, 5)" in html  # the snippet, in the editor
    assert f'action="{url}/run#run-it"' in html
    assert "Press Run to see what it prints" in text(html)
    assert runner.jobs == []  # showing it runs nothing


def test_not_for_a_problem_without_code(browser: TestClient, runner: FakeRunner) -> None:
    url = start_run(browser).removesuffix("/1") + "/3"  # multiple choice, one attempt
    token = csrf(browser.get(url).text)
    browser.post(url + "/answer", data={"answer": "0", "csrf_token": token})
    html = browser.get(url).text
    assert 'data-outcome="pending"' not in html
    assert "Run it" not in html
    refused = run(browser, url)
    assert refused.status_code == 422
    assert "This problem has no code to run." in refused.text
    assert runner.jobs == []


def test_without_javascript_the_page_comes_back_with_the_output(
    browser: TestClient, over: str, runner: FakeRunner
) -> None:
    response = run(browser, over)
    assert response.status_code == 200
    assert "<html" in response.text
    page = text(response.text)
    assert "Finished in 4.2 ms" in page
    assert "stdout torch.Size([2, 3, 5])" in page
    assert "Name Shape output torch.Size([2, 3, 5])" in page  # the tensors' table
    assert "(batch, seq_len, hidden)" in page  # still the whole page, explanation and all
    assert runner.codes == [SNIPPET]
    assert runner.jobs[0].collect_shapes


def test_with_htmx_only_the_output_panel_comes_back(
    browser: TestClient, over: str, runner: FakeRunner
) -> None:
    response = run(browser, over, headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'class="console console-ok"' in response.text
    assert "problem-title" not in response.text
    assert "torch.Size([2, 3, 5])" in response.text


def test_the_edited_code_is_what_runs(
    browser: TestClient, run_over: str, runner: FakeRunner
) -> None:
    over = run_over
    edited = SNIPPET.replace("2, 3, 5", "4, 1") + "print('<b>done</b>')\n"
    response = run(browser, over, code=edited)
    assert runner.codes == [edited]
    # The editor keeps the learner's version, escaped; Reset has the original.
    assert "output = torch.zeros(4, 1)" in response.text
    assert "print(&#39;&lt;b&gt;done&lt;/b&gt;&#39;)" in response.text
    assert 'data-original="import torch\noutput = torch.zeros(2, 3, 5)' in response.text
    run(browser, over, code="   \n", headers=HX)
    assert len(runner.jobs) == 1  # blank code is refused before the sandbox


@pytest.mark.parametrize(
    "runner",
    [
        FakeRunner(
            SnippetResult(
                status="error",
                stdout="partial" * 10,
                stdout_truncated=True,
                stderr="warning: <careful>\n",
                exception="RuntimeError",
                exception_message="mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)",
                duration_ms=1234.0,
            )
        )
    ],
)
def test_exception_stderr_and_truncation(
    browser: TestClient, over: str, runner: FakeRunner
) -> None:
    response = run(browser, over, headers=HX)
    page = text(response.text)
    assert "Raised an exception in 1.2 s" in page
    assert (
        '<strong class="exception-class">RuntimeError</strong>: '
        "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)" in response.text
    )
    assert "stderr warning: <careful>" in page
    assert "&lt;careful&gt;" in response.text
    assert "truncated" in page
    assert "Name Shape" not in page  # no tensors, no table


@pytest.mark.parametrize("runner", [None])
def test_without_a_sandbox_the_page_says_so(browser: TestClient, over: str) -> None:
    message = "The code runner is not available on this server: it was started without a sandbox."
    html = browser.get(over).text
    assert message in html
    assert 'name="code"' not in html
    for headers in ({}, HX):
        response = browser.post(
            over + "/run", data={"code": SNIPPET, "csrf_token": csrf(html)}, headers=headers
        )
        assert response.status_code == 503
        assert message in response.text


@pytest.mark.parametrize(
    "runner", [FakeRunner(error=SandboxUnavailable("full isolation is not available: no seccomp"))]
)
def test_an_unavailable_sandbox_says_why(browser: TestClient, over: str) -> None:
    response = run(browser, over)
    assert response.status_code == 503
    assert (
        "The code runner is not available on this server: "
        "full isolation is not available: no seccomp" in response.text
    )
    assert "Traceback" not in response.text


@pytest.mark.parametrize("runner", [FakeRunner(error=SandboxBusy("every slot is busy"))])
def test_a_busy_sandbox_asks_to_wait(browser: TestClient, over: str) -> None:
    response = run(browser, over, headers=HX)
    assert response.status_code == 429
    assert "Too many runs on this server right now — try again in 2 s." in response.text


def test_rate_limited_with_the_api(
    browser: TestClient, run_over: str, clock: FakeClock, runner: FakeRunner
) -> None:
    over = run_over
    token = csrf(browser.get(over).text)
    form = {"code": SNIPPET, "csrf_token": token}
    for _ in range(9):
        assert browser.post(over + "/run", data=form, headers=HX).status_code == 200
    assert browser.post("/api/playground/run", json={"code": "1"}).status_code == 200
    limited = browser.post(over + "/run", data=form)  # the same bucket as the API's
    assert limited.status_code == 429
    assert "Too many runs — try again in 1 s." in limited.text
    assert len(runner.jobs) == 10
    clock.advance(0.5)  # 2 runs a second, sustained
    assert browser.post(over + "/run", data=form, headers=HX).status_code == 200


def test_csrf_is_required(browser: TestClient, over: str, runner: FakeRunner) -> None:
    response = browser.post(over + "/run", data={"code": SNIPPET})
    assert response.status_code == 403
    assert "expired" in response.text
    assert runner.jobs == []


def test_another_learners_problem_is_not_found(app: FastAPI, over: str, runner: FakeRunner) -> None:
    with TestClient(app) as other:
        other.post("/api/auth/register", json={"username": "bob", "password": "x" * 12})
        token = csrf(other.get("/").text)
        response = other.post(over + "/run", data={"code": SNIPPET, "csrf_token": token})
    assert response.status_code == 404
    assert runner.jobs == []


def test_a_page_with_a_learner_s_own_code_is_not_kept(
    app: FastAPI, browser: TestClient, over: str, runner: FakeRunner
) -> None:
    edited = SNIPPET + "print('mine, all mine')\n"
    refused = run(browser, over, code=edited)  # edited while the run has problems left
    assert refused.status_code == 409
    assert "mine, all mine" in refused.text  # the page gives it back to its author
    assert runner.jobs == []
    kept = " ".join(app.state.shared_pages.cached())
    assert "mine, all mine" not in kept
