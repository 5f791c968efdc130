"""The problem page, the page learners load most: served before FastAPI's router, its
statement rendered once per text, and a fixed, small number of SQL statements a view.

What is cached is the same for every learner who sees it: a change of revision or of
variant gives another page, two learners each see their own variant, and no cached
fragment ever holds an answer or an explanation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.clock import FakeClock
from app.persistence.sets import SetRepository
from app.web.app import create_app
from app.web.pages.router import direct_routes
from app.web.templating import Fragments
from tests import builders
from tests.conftest import FAST_HASHER, PASSWORD, TestClient, save_sets, unit_of
from tests.integration.web.helpers import csrf, finish_run, run_id_of, start_run, text
from tests.integration.web.test_variant_pages import squeezed, values_on

VARIANTS = "variant-test"


@pytest.fixture
def app(settings: Settings, clock: FakeClock, loaded: sessionmaker[Session]) -> FastAPI:
    problem = builders.variant_problem()
    save_sets(loaded, clock, builders.challenge(VARIANTS, (problem,), title="Variant Test"))
    with unit_of(loaded) as uow:
        SetRepository(uow.session).set_executed(
            VARIANTS, "lstm", builders.variant_executed(problem)
        )
        uow.commit()
    return create_app(settings, clock=clock, password_hasher=FAST_HASHER)


def fragments(app: FastAPI) -> Fragments:
    cache: Fragments = app.state.templates.env.globals["fragment"]
    return cache


def register(client: TestClient, name: str) -> TestClient:
    token = csrf(client.get("/register").text)
    response = client.post(
        "/register", data={"username": name, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 200
    return client


# -- served directly, answering as the router did -------------------------------------


def test_the_page_is_a_direct_route() -> None:
    served = {(route.path, frozenset(route.methods)) for route in direct_routes()}
    assert served == {("/runs/{run_id}/problems/{n:problem_number}", frozenset({"GET"}))}


def test_the_direct_page_answers_bad_addresses_as_the_router_does(browser: TestClient) -> None:
    url = start_run(browser)
    run = run_id_of(url)
    assert browser.get(url).status_code == 200
    assert browser.get(f"/runs/{run}/problems/01").status_code == 200  # int("01"), as before
    for bad in ("0", "1001", "1234567890", "x"):  # direct (range) or the router (no match)
        response = browser.get(f"/runs/{run}/problems/{bad}")
        assert response.status_code == 422, bad
        assert "missing or not understood" in text(response.text)
    assert browser.get(f"/runs/{run}/problems/9").status_code == 404  # no such problem
    assert browser.get("/runs/not-a-run/problems/1").status_code == 404


def test_signed_out_the_direct_page_sends_to_sign_in(client: TestClient) -> None:
    response = client.get("/runs/some-run/problems/0", follow_redirects=False)
    assert response.status_code == 303  # signed in is checked first, as by the router
    assert response.headers["location"] == "/login?next=/runs/some-run/problems/0"


def test_another_learner_s_run_is_not_found(app: FastAPI, browser: TestClient) -> None:
    url = start_run(browser)
    with TestClient(app) as other:
        register(other, "grace")
        assert other.get(url).status_code == 404


# -- what is cached ---------------------------------------------------------------------


def test_no_cached_fragment_ever_holds_an_answer(app: FastAPI, browser: TestClient) -> None:
    problem = builders.shape_problem()
    url = start_run(browser)
    page = browser.get(url).text
    assert "It is" not in page
    assert "(2, 3, 5)" not in page
    cached = " ".join(fragments(app).cached())
    assert "What is the shape of <code>output</code>?" in cached  # the statement is cached

    finish_run(browser, run_id_of(url))
    done = browser.get(url).text
    assert "It is <code>(batch, seq_len, hidden)</code> = (2, 3, 5)." in done  # now shown
    held = " ".join(fragments(app).cached())
    assert problem.explanation is not None
    for secret in ("(2, 3, 5)", "seq_len", "Because alpha answer", "The answer to gate"):
        assert secret not in held


def test_a_new_revision_gives_a_new_page(
    app: FastAPI, browser: TestClient, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    first = start_run(browser)
    assert "What is the shape of" in text(browser.get(first).text)
    finish_run(browser, run_id_of(first))

    changed = replace(builders.shape_problem(), prompt="Which shape does `output` have now?")
    problems = builders.challenge().problems
    save_sets(loaded, clock, builders.challenge(problems=(changed, *problems[1:])))
    clock.advance(3600)  # past the wait before a retake

    second = start_run(browser)
    assert "Which shape does output have now?" in text(browser.get(second).text)
    assert "What is the shape of" in text(browser.get(first).text)  # its own revision still


def test_two_learners_each_see_their_own_variant(
    app: FastAPI, browser: TestClient, clock: FakeClock
) -> None:
    mine_url = start_run(browser, VARIANTS)
    mine = values_on(browser.get(mine_url).text)
    with TestClient(app) as other:
        register(other, "grace")
        theirs_url = start_run(other, VARIANTS)
        theirs = values_on(other.get(theirs_url).text)
        if theirs == mine:  # drawn at random; a second run prefers a variant not yet seen
            finish_run(other, run_id_of(theirs_url))
            clock.advance(3600)  # past the wait before a retake
            theirs_url = start_run(other, VARIANTS)
            theirs = values_on(other.get(theirs_url).text)
        assert theirs != mine
        # Each page, read again with both in the cache, still shows its learner's values.
        assert values_on(browser.get(mine_url).text) == mine
        assert values_on(other.get(theirs_url).text) == theirs
        batch, hidden = theirs
        assert f"torch.randn({batch},7,4)" in squeezed(other.get(theirs_url).text)  # the code
    batch, hidden = mine
    assert f"LSTM(4,{hidden},batch_first=True)" in squeezed(browser.get(mine_url).text)


def test_fragments_see_only_the_values_they_are_given(app: FastAPI, browser: TestClient) -> None:
    cache = fragments(app)
    shown = cache("_statement.html", title="T", prompt="P", code=None, topic=None)
    assert cache("_statement.html", title="T", prompt="P", code=None, topic=None) is shown
    assert "csrf" not in shown
    assert "ada" not in shown
    other = cache("_statement.html", title="T", prompt="Q", code=None, topic=None)
    assert other != shown
    assert "<p>Q</p>" in other


# -- the SQL a view costs ---------------------------------------------------------------


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every statement SQLite runs on the engine's connections opened from now on
    (the app's prepared statements go to the driver's cursor, which the ORM's
    `before_cursor_execute` does not see)."""
    seen: list[str] = []

    def trace(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(seen.append)

    event.listen(engine, "connect", trace)
    try:
        yield seen
    finally:
        event.remove(engine, "connect", trace)


@pytest.mark.sqlite_only("counts statements with SQLite's trace callback (it sees prepared ones)")
def test_a_problem_page_view_runs_few_statements(
    settings: Settings, clock: FakeClock, loaded: Any
) -> None:
    app = create_app(settings, clock=clock, password_hasher=FAST_HASHER)
    with statements(app.state.engine) as seen, TestClient(app) as browser:
        register(browser, "ada")
        url = start_run(browser)
        browser.get(url)  # the first view starts the clock
        for finished in (False, True):
            seen.clear()
            page = browser.get(url)
            assert page.status_code == 200
            queries = [s for s in seen if s.split()[0].upper() in ("SELECT", "UPDATE", "INSERT")]
            # The session's liveness and the run's states (a run problem's fixed facts are
            # cached in app.persistence.run_problems); once over, its attempts too.
            # Nothing is written by a view of a problem whose clock runs.
            assert len(queries) == (3 if finished else 2), queries
            assert not [s for s in queries if not s.upper().startswith("SELECT")], queries
            finish_run(browser, run_id_of(url))
