"""No side door to an answer: the playground, "Run it", hints and the shape field's example.

And the retake attack of issue 10, over HTTP: it gets no badge sooner than the retake
wait allows, and no response shows the answer of a problem before the learner ends it.
The sandbox is a stand-in (tests.fakes.FakeRunner).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.challenge import ChallengeSet, Level, Option, Problem, ProblemType, ShapeAnswer
from app.domain.clock import FakeClock
from app.domain.variants import Param
from app.web.app import create_app
from tests import builders
from tests.conftest import FAST_HASHER, PASSWORD, TestClient, save_sets
from tests.fakes import FakeRunner
from tests.integration.web.helpers import HX, csrf, finish_run, text

START = "/api/challenges/gru-test/runs"
SNIPPET = builders.shape_problem().code or ""
WAIT = 600


@pytest.fixture
def runner() -> FakeRunner:
    return FakeRunner()


@pytest.fixture
def app(
    settings: Settings, clock: FakeClock, loaded: sessionmaker[Session], runner: FakeRunner
) -> FastAPI:
    return create_app(settings, clock=clock, sandbox=runner, password_hasher=FAST_HASHER)


def problem(run_id: str, n: int) -> str:
    return f"/api/runs/{run_id}/problems/{n}"


def page(run_id: str, n: int) -> str:
    return f"/runs/{run_id}/problems/{n}"


def run_it(client: TestClient, run_id: str, n: int, code: str) -> httpx.Response:
    token = csrf(client.get(page(run_id, n)).text)
    return client.post(page(run_id, n) + "/run", data={"code": code, "csrf_token": token})


# -- the playground ------------------------------------------------------------------


def test_the_playground_waits_while_a_problem_is_unfinished(
    api: TestClient, runner: FakeRunner, clock: FakeClock
) -> None:
    run_id = api.post(START, json={}).json()["run_id"]
    refused = api.post("/api/playground/run", json={"code": SNIPPET})
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "Finish or let your open run of GRU Test Badge end before using the playground."
    )
    assert runner.jobs == []
    finish_run(api, run_id)
    assert api.post("/api/playground/run", json={"code": SNIPPET}).status_code == 200
    assert runner.codes == [SNIPPET]


def test_the_playground_opens_when_the_clocks_run_out(
    api: TestClient, runner: FakeRunner, clock: FakeClock
) -> None:
    run_id = api.post(START, json={}).json()["run_id"]
    for n in (1, 2, 3):
        api.get(problem(run_id, n))
    clock.advance(120 + 2)  # the longest deadline's last moment
    assert api.post("/api/playground/run", json={"code": "1"}).status_code == 409
    clock.advance(1)
    assert api.post("/api/playground/run", json={"code": "1"}).status_code == 200


# -- "Run it" while the run has problems left -----------------------------------------


def test_run_it_runs_only_the_code_as_shown_until_the_run_is_over(
    browser: TestClient, runner: FakeRunner
) -> None:
    run_id = browser.post(START, json={}).json()["run_id"]
    browser.post(problem(run_id, 1) + "/answer", json={"answer": "(2, 3, 5)"})
    shown = browser.get(page(run_id, 1)).text
    assert "only the code as shown runs" in text(shown)
    assert re.search(r"<textarea[^>]*data-run-code readonly", shown)

    edited = SNIPPET + "print(1)\n"
    refused = run_it(browser, run_id, 1, edited)
    assert refused.status_code == 409
    assert "edits can run once that run is over" in text(refused.text)
    assert run_it(browser, run_id, 1, SNIPPET.replace("\n", "\n\n")).status_code == 200
    assert runner.codes == [SNIPPET.replace("\n", "\n\n")]

    finish_run(browser, run_id)
    assert run_it(browser, run_id, 1, edited).status_code == 200
    assert runner.codes[-1] == edited
    assert "data-run-code readonly" not in browser.get(page(run_id, 1)).text


def test_run_it_refuses_the_code_reindented_while_the_run_is_unfinished(
    api: TestClient, loaded: sessionmaker[Session], clock: FakeClock, runner: FakeRunner
) -> None:
    """Lines were compared stripped at both ends, so moving a line into or out of a
    loop or function ran other code than the page shows: `print(total)` in the loop
    prints every partial sum. Only trailing spaces and blank lines may differ."""
    looped = "total = 0\nfor i in range(3):\n    total += i\nprint(total)\n"
    loop_problem = replace(builders.shape_problem(), code=looped)
    save_sets(
        loaded, clock, builders.challenge(problems=(loop_problem, builders.choice("gate", 0)))
    )
    run_id = api.post(START, json={}).json()["run_id"]
    api.post(problem(run_id, 1) + "/answer", json={"answer": "(2, 3, 5)"})
    api.post(problem(run_id, 1) + "/answer", json={"answer": "(2, 3, 6)"})
    reindented = looped.replace("\nprint(total)", "\n    print(total)")
    refused = run_it(api, run_id, 1, reindented)
    assert refused.status_code == 409
    assert runner.jobs == []
    as_shown = looped.replace("\n", "  \r\n") + "\n\n"  # trailing spaces, CRLF, blank lines
    assert run_it(api, run_id, 1, as_shown).status_code == 200
    assert runner.codes == [as_shown]


def test_run_it_refuses_code_that_holds_an_unfinished_problems_code(
    api: TestClient, loaded: sessionmaker[Session], clock: FakeClock, runner: FakeRunner
) -> None:
    """Two questions on one snippet: running the first prints the second's shapes."""
    same_code = Problem(
        key="hidden",
        type=ProblemType.PREDICT_OUTPUT,
        level=Level.INTERMEDIATE,
        title="Shape of the hidden state",
        prompt="And the shape of `hidden`?",
        time_limit_seconds=120,
        max_attempts=2,
        code=SNIPPET,
        options=(Option("(1, 2, 5)", correct=True), Option("(2, 5)")),
    )
    save_sets(loaded, clock, builders.challenge(problems=(builders.shape_problem(), same_code)))
    run_id = api.post(START, json={}).json()["run_id"]
    api.post(problem(run_id, 1) + "/answer", json={"answer": "(2, 3, 5)"})
    refused = run_it(api, run_id, 1, SNIPPET)
    assert refused.status_code == 409
    assert "This code also answers problem 2 of your open run" in text(refused.text)
    assert runner.jobs == []


def test_run_it_compares_with_the_unfinished_problems_own_variant(
    api: TestClient, loaded: sessionmaker[Session], clock: FakeClock, runner: FakeRunner
) -> None:
    """The other problem has params: its learner's code is its variant, filled in."""
    varied = Problem(
        key="hidden-variant",
        type=ProblemType.PREDICT_OUTPUT,
        level=Level.INTERMEDIATE,
        title="Shape of the output, again",
        prompt="For a batch of ${batch}: the shape of `output`?",
        time_limit_seconds=120,
        max_attempts=2,
        code=SNIPPET.replace("zeros(2,", "zeros(${batch},"),
        answer=ShapeAnswer(shape_of="output"),
        params=(Param("batch", (2,)),),
    )
    save_sets(loaded, clock, builders.challenge(problems=(builders.shape_problem(), varied)))
    run_id = api.post(START, json={}).json()["run_id"]
    api.post(problem(run_id, 1) + "/answer", json={"answer": "(2, 3, 5)"})

    refused = run_it(api, run_id, 1, SNIPPET)

    assert refused.status_code == 409
    assert "This code also answers problem 2 of your open run" in text(refused.text)
    assert runner.jobs == []


# -- hints -------------------------------------------------------------------------


def test_a_hint_starts_its_problems_clock(api: TestClient, clock: FakeClock) -> None:
    run_id = api.post(START, json={}).json()["run_id"]
    hint = api.post(problem(run_id, 2) + "/hint", json={})  # never viewed
    assert hint.json() == {"hint": "Think about gate."}
    clock.advance(30)
    shown = api.get(problem(run_id, 2)).json()
    assert shown["remaining_seconds"] == shown["time_limit_seconds"] - 30
    clock.advance(60 + 3)  # its 1:30 and the grace: over, by the hint's clock
    late = api.post(problem(run_id, 2) + "/answer", json={"answer": 0})
    assert late.status_code == 410


def test_the_hint_page_form_starts_the_clock_too(browser: TestClient, clock: FakeClock) -> None:
    run_id = browser.post(START, json={}).json()["run_id"]
    token = csrf(browser.get("/").text)
    browser.post(page(run_id, 3) + "/hint", data={"csrf_token": token}, headers=HX)
    clock.advance(10)
    assert "1:20" in browser.get(page(run_id, 3)).text  # 1:30 less the 10 s since the hint


# -- the shape field -----------------------------------------------------------------


def test_the_shape_fields_example_has_no_number(api: TestClient) -> None:
    run_id = api.post(START, json={}).json()["run_id"]
    shown = api.get(page(run_id, 1)).text
    label = re.search(r'<label for="answer">(.*?)</label>', shown, re.S)
    placeholder = re.search(r'id="answer"[^>]*placeholder="([^"]*)"', shown, re.S)
    assert label
    assert placeholder
    assert "(batch, …, features)" in label.group(1)
    assert not re.search(r"\d", label.group(1) + placeholder.group(1))
    described = api.get("/openapi.json").text
    assert "a shape written like (batch, seq_len, hidden)" in described
    assert "(2, 3, 5)" not in described


# -- the retake attack of issue 10 ----------------------------------------------------


def attack_set() -> ChallengeSet:
    """The test challenge with an answer that appears nowhere before it is revealed."""
    shape = replace(
        builders.shape_problem(),
        code="import torch\noutput = torch.zeros(2, 3).T\n",
        answer=ShapeAnswer(shape_of="output", expected=(3, 2)),
        explanation="EXPLAINED-shape: transposing swaps the two dimensions.",
    )
    choices = [
        replace(p, explanation=f"EXPLAINED-{p.key}")
        for p in (builders.choice("gate", 0), builders.choice("debug", 2, attempts=1))
    ]
    return builders.challenge(problems=(shape, *choices))


# What only an ended problem may show: its explanation, and its answer.
SECRETS = {"shape": ["EXPLAINED-shape", "(3, 2)", "3, 2"], "gate": ["EXPLAINED-gate"]}
SECRETS["debug"] = ["EXPLAINED-debug"]
REVEALED = ("explanation", "correct_answer", "correct_index")
KEYS = {1: "shape", 2: "gate", 3: "debug"}


class Attacker:
    """A learner's client that checks every response for answers not yet earned."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.ended: set[str] = set()
        self.responses = 0

    def send(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        response = self.client.request(method, url, **kwargs)  # type: ignore[arg-type]
        self.responses += 1
        body = response.json() if "json" in response.headers.get("content-type", "") else None
        if isinstance(body, dict) and "/problems/" in url:
            key = KEYS[int(url.split("/")[5])]
            if body.get("finished"):
                self.ended.add(key)
            shown = [field for field in REVEALED if body.get(field) is not None]
            assert key in self.ended or not shown, f"{method} {url} revealed {shown} of {key!r}"
        for key, secrets in SECRETS.items():
            if key not in self.ended:
                leaked = [s for s in secrets if s in response.text]
                assert not leaked, f"{method} {url} showed {leaked} of unfinished {key!r}"
        return response


def test_the_retake_attack_gets_no_answer_early_and_no_badge_before_the_wait(
    app: FastAPI, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    save_sets(loaded, clock, attack_set())
    with TestClient(app) as client:
        me = Attacker(client)
        me.send("POST", "/api/auth/register", json={"username": "eve", "password": PASSWORD})
        me.send("GET", "/")
        x = me.send("POST", START, json={}).json()["run_id"]
        # Burn the attempts of each choice problem: each shows its answer once over.
        learned: dict[int, int] = {}
        for n in (2, 3):
            shown = me.send("GET", problem(x, n)).json()
            for pick in range(len(shown["options"])):
                ended = me.send("POST", problem(x, n) + "/answer", json={"answer": pick})
                if ended.json()["finished"]:
                    learned[n] = ended.json()["correct_index"]
                    break
        assert me.ended == {"gate", "debug"}
        # Side doors to the shape problem's answer, before its clock starts.
        assert me.send("POST", problem(x, 1) + "/hint", json={}).status_code == 200
        ran = me.send("POST", "/api/playground/run", json={"code": "import torch"})
        assert ran.status_code == 409
        me.send("GET", f"/api/runs/{x}")
        me.send("GET", f"/runs/{x}")
        # Run Y, to answer everything from X: X is still open.
        y = me.send("POST", START, json={})
        assert (y.status_code, y.json()["run_id"]) == (409, x)
        # So end X (the shape problem, wrongly), and try Y again at once.
        for guess in ("(1, 1)", "(1, 2)"):
            me.send("POST", problem(x, 1) + "/answer", json={"answer": guess})
        assert me.ended == {"shape", "gate", "debug"}
        x_ended = clock()
        y = me.send("POST", START, json={})
        assert (y.status_code, y.headers["Retry-After"]) == (429, str(WAIT))
        clock.advance(WAIT - 1)
        y = me.send("POST", START, json={})
        assert (y.status_code, y.headers["Retry-After"]) == (429, "1")
        clock.advance(1)
        y_id = me.send("POST", START, json={}).json()["run_id"]
        shape = me.send("POST", problem(y_id, 1) + "/answer", json={"answer": "(3, 2)"})
        assert shape.json()["correct"]
        for n, right in learned.items():  # the options are shuffled per run: find the text
            x_options = me.send("GET", problem(x, n)).json()["options"]
            y_options = [o["text"] for o in me.send("GET", problem(y_id, n)).json()["options"]]
            pick = y_options.index(x_options[right]["text"])
            me.send("POST", problem(y_id, n) + "/answer", json={"answer": pick})
        result = me.send("GET", f"/api/runs/{y_id}").json()
        awards = me.send("GET", "/api/me/badges").json()
    assert result["badge_awarded"]
    awarded = datetime.fromisoformat(awards[0]["awarded_at"].replace("Z", "+00:00"))
    assert (awarded - x_ended).total_seconds() >= WAIT
    assert me.responses > 20
