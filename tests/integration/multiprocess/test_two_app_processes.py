"""Issue 13's "done when": two app processes (`quiz serve`) and one sandbox service
(`quiz sandbox serve`) on loopback, sharing one database, behave as one site.

A browser's cookie may reach either process (the load balancer picks), so each check
signs in on one and goes on through the other. Run on a throwaway PostgreSQL server (app
processes on many hosts) and on one SQLite file (many processes on one host). Accounts
register with the servers' own argon2 settings: a handful, a fraction of a second each.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.integration.multiprocess.conftest import (
    DATABASES,
    MAX_ATTEMPTS,
    WRONG,
    fresh_database,
    with_challenges,
)
from tests.integration.multiprocess.processes import (
    SANDBOX_TOKEN,
    AppServer,
    SandboxService,
    quiz_environment,
)
from tests.live_server import free_port

pytestmark = pytest.mark.multiprocess

DOWN = "The code runner is not available on this server: no sandbox service answered"
ANSWERS = len(WRONG)  # 12


@dataclass
class Site:
    a: AppServer
    b: AppServer
    sandbox: SandboxService
    env: dict[str, str]
    folder: Path
    running: ExitStack

    def restart_sandbox(self) -> None:
        """A new `quiz sandbox serve` on the stopped one's port, as after a host restart."""
        again = SandboxService("sandbox-again", self.env, self.folder, self.sandbox.port)
        self.sandbox = self.running.enter_context(again)
        self.sandbox.wait_until_serving()


@pytest.fixture(scope="module", params=DATABASES)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    folder = with_challenges(tmp_path_factory.mktemp("site"))
    with fresh_database(request.param, folder) as url, ExitStack() as running:
        sandbox_port = free_port()
        env = quiz_environment(
            url,
            folder,
            QUIZ_SANDBOX_URL=f"http://127.0.0.1:{sandbox_port}",
            QUIZ_SANDBOX_TOKEN=SANDBOX_TOKEN,
        )
        sandbox = running.enter_context(SandboxService("sandbox", env, folder, sandbox_port))
        sandbox.wait_until_serving()
        # Started at once: they migrate and load one after the other.
        a = running.enter_context(AppServer("app-a", env, folder))
        b = running.enter_context(AppServer("app-b", env, folder))
        a.wait_until_serving()
        b.wait_until_serving()
        yield Site(a, b, sandbox, env, folder, running)


def register(server: AppServer, username: str) -> str:
    """A new learner's session cookie, from `server`."""
    with server.client() as client:
        answer = client.post(
            "/api/auth/register", json={"username": username, "password": PASSWORD}
        )
    assert answer.status_code == 201, answer.text
    return answer.cookies["quiz_session"]


def carrying(server: AppServer, cookie: str) -> httpx.Client:
    """A client of `server` sending the cookie a browser got from either process."""
    client = server.client()
    client.cookies.set("quiz_session", cookie)
    return client


def login(server: AppServer, username: str, password: str) -> int:
    with server.client() as client:
        answer = client.post("/api/auth/login", json={"username": username, "password": password})
    return answer.status_code


def playground(server: AppServer, cookie: str) -> httpx.Response:
    with carrying(server, cookie) as client:
        return client.post("/api/playground/run", json={"code": "print(6 * 7)"})


def test_a_session_from_a_works_on_b_and_logout_on_a_ends_it_on_b(site: Site) -> None:
    cookie = register(site.a, "ada")
    with carrying(site.b, cookie) as on_b:
        assert on_b.get("/api/auth/me").json()["username"] == "ada"
    with carrying(site.a, cookie) as on_a:
        assert on_a.post("/api/auth/logout").status_code == 204

    with carrying(site.b, cookie) as on_b:
        assert on_b.get("/api/auth/me").status_code == 401
        page = on_b.get("/me/badges", follow_redirects=False)
        assert page.status_code == 303  # to the sign-in page


def test_twelve_concurrent_wrong_answers_over_a_and_b_use_exactly_the_attempts(
    site: Site,
) -> None:
    cookie = register(site.a, "race")
    with carrying(site.a, cookie) as on_a, carrying(site.b, cookie) as on_b:
        started = on_a.post("/api/challenges/exam/runs")
        assert started.status_code == 201, started.text
        run = f"/api/runs/{started.json()['run_id']}"
        problem = on_b.get(f"{run}/problems/1").json()
        texts = [option["text"] for option in problem["options"]]
        wrong = [texts.index(text) for text in WRONG]  # each answer tries another option
        at_once = threading.Barrier(ANSWERS)

        def answer(client: httpx.Client, option: int) -> httpx.Response:
            at_once.wait()
            return client.post(f"{run}/problems/1/answer", json={"answer": option})

        with ThreadPoolExecutor(ANSWERS) as pool:
            answers = list(pool.map(answer, [on_a, on_b] * (ANSWERS // 2), wrong))

        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200] * MAX_ATTEMPTS + [409] * (ANSWERS - MAX_ATTEMPTS), [
            (answer.status_code, answer.text) for answer in answers
        ]
        counted = sorted(a.json()["attempts_left"] for a in answers if a.status_code == 200)
        assert counted == list(range(MAX_ATTEMPTS))
        for client in (on_a, on_b):
            stored = client.get(run).json()["problems"][0]
            assert (stored["attempts_used"], stored["outcome"]) == (MAX_ATTEMPTS, "incorrect")


def test_the_login_throttle_counts_guesses_on_both_processes(site: Site) -> None:
    register(site.a, "grace")
    for guess in range(5):  # the per-account limit, split over A and B
        assert login((site.a, site.b)[guess % 2], "grace", "not the password") == 401

    assert login(site.a, "grace", PASSWORD) == 429
    assert login(site.b, "grace", PASSWORD) == 429


def test_the_playground_runs_on_the_sandbox_service_from_both_processes(site: Site) -> None:
    cookie = register(site.a, "pat")
    for server in (site.a, site.b):
        ran = playground(server, cookie)
        assert ran.status_code == 200, ran.text
        assert ran.json()["stdout"] == "42\n"


def test_while_the_service_is_stopped_the_playground_answers_503_and_answers_still_count(
    site: Site,
) -> None:
    coder = register(site.a, "sam")
    taker = register(site.b, "tess")
    site.sandbox.stop()

    for server in (site.a, site.b):
        down = playground(server, coder)
        assert down.status_code == 503
        assert down.json()["detail"].startswith(DOWN)
    with carrying(site.b, taker) as on_b, carrying(site.a, taker) as on_a:
        started = on_b.post("/api/challenges/exam/runs")
        assert started.status_code == 201, started.text
        run = f"/api/runs/{started.json()['run_id']}"
        problem = on_a.get(f"{run}/problems/1").json()
        right = [option["text"] for option in problem["options"]].index("0.001")
        answered = on_a.post(f"{run}/problems/1/answer", json={"answer": right})
        assert answered.status_code == 200, answered.text
        assert answered.json()["correct"] is True
        assert on_b.get(run).json()["badge_awarded"] is True

    site.restart_sandbox()
    for server in (site.a, site.b):
        back = playground(server, coder)
        assert back.status_code == 200, back.text
        assert back.json()["stdout"] == "42\n"


def test_the_sandbox_service_refuses_a_request_without_its_token(site: Site) -> None:
    job = {"code": "print(6 * 7)"}
    bare = httpx.post(f"{site.sandbox.url}/run", json=job, timeout=30)
    assert bare.status_code == 401
    wrong = httpx.post(
        f"{site.sandbox.url}/run",
        json=job,
        headers={"Authorization": "Bearer " + "x" * len(SANDBOX_TOKEN)},
        timeout=30,
    )
    assert wrong.status_code == 401
    assert "42" not in bare.text + wrong.text
