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
from fastapi import FastAPI, Request
from jinja2 import DictLoader, Environment
from markupsafe import Markup
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.clock import FakeClock
from app.persistence.sets import SetRepository
from app.services import problems
from app.services.problem_views import ProblemView
from app.web.app import create_app
from app.web.pages.router import direct_routes
from app.web.pages.runs import Timer, problem_page
from app.web.templating import Fragments, SharedPages, hole, render
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


def test_starting_a_run_the_page_and_the_answer_are_direct_routes() -> None:
    served = {(route.path, frozenset(route.methods)) for route in direct_routes()}
    assert served == {
        ("/challenges/{slug}/runs", frozenset({"POST"})),
        ("/runs/{run_id}/problems/{n:problem_number}", frozenset({"GET"})),
        ("/runs/{run_id}/problems/{n:problem_number}/answer", frozenset({"POST"})),
    }


def test_the_direct_answer_answers_as_the_router_does(app: FastAPI, browser: TestClient) -> None:
    """The same request sent to the direct route (`.../problems/1/answer`) and to FastAPI's
    (`.../problems/0000000001/answer`: ten digits, which the direct route does not match,
    the same problem) gets the same answer, refusals first: none of these uses an attempt."""
    run = run_id_of(start_run(browser))
    token = csrf(browser.get(f"/runs/{run}/problems/1").text)
    htmx = {"HX-Request": "true"}
    cases: list[tuple[str, dict[str, str], dict[str, str]]] = [
        ("1", {"answer": "(1, 2)"}, {}),  # no CSRF token
        ("1", {"answer": "(1, 2)", "csrf_token": "forged"}, htmx),
        ("1", {"csrf_token": token}, {}),  # no answer at all
        ("1", {"csrf_token": token, "answer": "(1, 2"}, htmx),  # not understood
        ("0", {"csrf_token": token, "answer": "(1, 2)"}, {}),  # out of range
        ("1001", {"csrf_token": token, "answer": "(1, 2)"}, {}),
    ]
    for n, data, headers in cases:
        replies = [
            browser.post(f"/runs/{run}/problems/{number}/answer", data=data, headers=headers)
            for number in (n, n.zfill(10))
        ]
        direct, routed = ((r.status_code, text(r.text)) for r in replies)
        assert direct == routed, (n, data)
        assert direct[0] in (403, 422), (n, data, direct[0])
    with TestClient(app) as stranger:  # signed out: the form's token is checked first
        addresses = [f"/runs/{run}/problems/{n}/answer" for n in ("1", "1".zfill(10))]
        replies = [stranger.post(address) for address in addresses]
        assert [r.status_code for r in replies] == [403, 403]
    view = browser.get(f"/api/runs/{run}/problems/1").json()
    assert view["attempts_left"] == view["max_attempts"]


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


def test_the_direct_start_refuses_as_the_router_did(app: FastAPI, browser: TestClient) -> None:
    """Starting a run, each refusal as FastAPI's route gave it (this test passes on the
    commit before the direct route): the form's CSRF token first, signed in next, then
    the set; none of them starts a run, and the one that does goes to problem 1."""
    intro = browser.get("/challenges/gru-test").text
    token = csrf(intro)
    assert browser.post("/challenges/gru-test/runs").status_code == 403
    forged = browser.post("/challenges/gru-test/runs", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    missing = browser.post("/challenges/no-such-set/runs", data={"csrf_token": token})
    assert missing.status_code == 404
    assert "There is no challenge called 'no-such-set'" in text(missing.text)
    assert browser.get("/challenges/gru-test/runs").status_code == 405  # on to the router
    with TestClient(app) as stranger:
        assert stranger.post("/challenges/gru-test/runs").status_code == 403
        own = csrf(stranger.get("/login").text)  # a visitor's token: not signed in
        sent = stranger.post(
            "/challenges/gru-test/runs", data={"csrf_token": own}, follow_redirects=False
        )
        assert sent.status_code == 303
        assert sent.headers["location"] == "/login?next=/challenges/gru-test/runs"
    first = start_run(browser)
    assert first.endswith("/problems/1")  # an open run would be continued: none was started
    assert browser.get(first).status_code == 200


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


# -- whole pages shared by state, each viewer's own values filled in -------------------


def shared_pages(app: FastAPI) -> SharedPages:
    pages: SharedPages = app.state.shared_pages
    return pages


def request_for(app: FastAPI, view: ProblemView, session: dict[str, Any], htmx: bool) -> Request:
    path = f"/runs/{view.run_id}/problems/{view.number}"
    headers = [(b"hx-request", b"true")] if htmx else []
    scope = {"type": "http", "method": "GET", "path": path, "headers": headers}
    return Request({**scope, "query_string": b"", "app": app, "session": session})


def view_of(app: FastAPI, clock: FakeClock, name: str, url: str) -> ProblemView:
    database = app.state.database
    with database.units() as uow:
        learner = uow.learners.id_by_name(name)
    assert learner is not None
    number = int(url.rsplit("/", 1)[1])
    return problems.view_problem(
        database.units, clock, learner, run_id=run_id_of(url), number=number
    )


def test_a_shared_page_reads_as_rendering_it_would(
    app: FastAPI, browser: TestClient, clock: FakeClock
) -> None:
    """Byte for byte what problem.html gives with the viewer's own values, whether the
    page was kept or not: pending (its clock), tried, finished, in a fragment or not,
    with markup in a name, a notice and a typed answer (escaped once, as by Jinja)."""
    url = start_run(browser)
    browser.get(url)
    clock.advance(7.25)  # a clock reading that is not a round number
    session = {"uid": 1, "sid": "s", "name": "<ada & co>", "csrf": "tok-<&>-1"}
    shown = {"notice": "Not a <shape>", "typed": '(1, "2")', "ran": None}
    shown["runner_unavailable"] = None
    states = [view_of(app, clock, "ada", url)]
    browser.post(f"/api/runs/{run_id_of(url)}/problems/1/answer", json={"answer": "(9, 9)"})
    states.append(view_of(app, clock, "ada", url))
    finish_run(browser, run_id_of(url))
    states.append(view_of(app, clock, "ada", url))
    assert [s.outcome.value for s in states] == ["pending", "pending", "incorrect"]
    assert states[0].remaining_seconds != round(states[0].remaining_seconds)
    for view, htmx in [(s, h) for s in states for h in (False, True)]:
        timer = Timer.of(view.remaining_seconds, view.time_limit_seconds)
        plain = render(
            request_for(app, view, dict(session), htmx), "problem.html",
            {"p": view, "timer": timer, **shown},
        ).body  # fmt: skip
        for _ in range(2):  # rendered, then kept
            shared = problem_page(request_for(app, view, dict(session), htmx), view, shown)
            assert shared.body == plain
        assert b"&lt;ada &amp; co&gt;" in plain or htmx
        assert b"tok-&lt;&amp;&gt;-1" in plain


def test_two_learners_in_one_state_share_a_page_and_nothing_of_theirs(
    app: FastAPI, browser: TestClient
) -> None:
    pages = shared_pages(app)
    mine_url = start_run(browser)
    mine = browser.get(mine_url).text
    kept = len(pages.cached())
    with TestClient(app) as other:
        register(other, "grace")
        theirs_url = start_run(other)
        theirs = other.get(theirs_url).text
        assert len(pages.cached()) == kept  # the same state: the same page, kept once
    assert run_id_of(mine_url) in mine
    assert run_id_of(mine_url) not in theirs
    assert run_id_of(theirs_url) in theirs
    assert run_id_of(theirs_url) not in mine
    assert "grace" in theirs
    assert "grace" not in mine
    assert csrf(mine) != csrf(theirs)
    held = " ".join(pages.cached())
    for own in (run_id_of(mine_url), run_id_of(theirs_url), csrf(mine), csrf(theirs)):
        assert own not in held
    assert "grace" not in held
    assert ">ada<" not in held


def test_the_run_s_progress_is_not_in_the_kept_page_s_key(
    settings: Settings, clock: FakeClock, loaded: sessionmaker[Session]
) -> None:
    """Two learners at the same state of problem 2, one with problem 1 over and one not:
    one kept page (the other outcomes would make a page per combination), each with
    their own progress bar, linking to their own run."""
    two = (builders.shape_problem("first"), builders.shape_problem("second"))
    save_sets(loaded, clock, builders.challenge("two-shapes", two, title="Two shapes"))
    app = create_app(settings, clock=clock, password_hasher=FAST_HASHER)
    pages = shared_pages(app)
    with TestClient(app) as ada, TestClient(app) as grace:
        register(ada, "ada")
        register(grace, "grace")
        runs = [run_id_of(start_run(client, "two-shapes")) for client in (ada, grace)]
        for attempt in ("(9, 9)", "(8, 8)"):  # ada's problem 1 is over: two wrong answers
            sent = ada.post(f"/api/runs/{runs[0]}/problems/1/answer", json={"answer": attempt})
            assert sent.status_code == 200
        kept = len(pages.cached())
        seen = [
            client.get(f"/runs/{run}/problems/2").text
            for client, run in zip((ada, grace), runs, strict=True)
        ]
        assert len(pages.cached()) == kept + 1  # problem 2 as both see it: kept once
    for page, run, first in zip(seen, runs, ("incorrect", "pending"), strict=True):
        bar = page[page.index('<ol class="progress"') : page.index("</ol>")]
        assert f'href="/runs/{run}/problems/1" class="dot dot-{first}"' in bar
        assert f'href="/runs/{run}/problems/2" class="dot dot-pending current"' in bar
    held = " ".join(pages.cached())
    assert not [run for run in runs if run in held]
    assert "dot-incorrect" not in held  # no progress bar in a kept page
    # the bars are kept apart from the statements' fragments, which they would churn
    assert not [f for f in fragments(app).cached() if 'class="progress"' in f]
    assert len(app.state.progress_bars.cached()) == 2  # problem 2 with 1 over, and not


def test_the_run_s_id_in_the_progress_bar_is_escaped_once(
    app: FastAPI, browser: TestClient, clock: FakeClock
) -> None:
    url = start_run(browser)
    view = replace(view_of(app, clock, "ada", url), run_id='a&b"<')
    session = {"uid": 1, "sid": "s", "name": "ada", "csrf": "tok"}
    shown = {"notice": None, "typed": "", "ran": None, "runner_unavailable": None}
    page = bytes(problem_page(request_for(app, view, session, False), view, shown).body).decode()
    bar = page[page.index('<ol class="progress"') : page.index("</ol>")]
    assert 'href="/runs/a&amp;b&#34;&lt;/problems/1"' in bar
    assert "&amp;amp;" not in page


def test_no_hole_is_ever_shown(app: FastAPI, browser: TestClient) -> None:
    url = start_run(browser)
    pages = [browser.get(url).text]
    answer = f"{url}/answer"
    form = {"answer": "(4, 4)", "csrf_token": csrf(pages[0])}
    pages.append(browser.post(answer, data=form, headers={"HX-Request": "true"}).text)
    pages.append(browser.post(answer, data={**form, "answer": "(("}).text)  # not understood
    finish_run(browser, run_id_of(url))
    pages.append(browser.get(url).text)
    for page in pages:
        assert "tqhole" not in page.lower()
        assert "Problem 1 of" in page


def test_what_cannot_be_a_key_is_rendered_not_kept(app: FastAPI) -> None:
    pages = SharedPages(app.state.templates.env)
    context = {"hint": "Rows <first>", "unhashable": {"a": 1}}
    page = pages.render("_hint.html", context, {})
    assert "Rows &lt;first&gt;" in page
    assert pages.cached() == []
    pages.render("_hint.html", {"hint": "Rows first"}, {}, keep=False)
    assert pages.cached() == []  # asked not to
    with pytest.raises(ValueError, match="lower-case letters"):
        hole("Run id")


def test_answers_not_understood_are_rendered_not_kept(app: FastAPI, browser: TestClient) -> None:
    """A page echoing a learner's own typed answer is theirs alone: kept, each of the
    answers a learner may send without cost (not understood, no attempt used) would add
    a page, and 2048 of them would clear every learner's kept pages."""
    pages = shared_pages(app)
    url = start_run(browser)
    form = {"csrf_token": csrf(browser.get(url).text)}
    kept = len(pages.cached())
    for i in range(5):
        page = browser.post(f"{url}/answer", data={**form, "answer": f"((not a shape {i}"})
        assert page.status_code == 422
        assert f"((not a shape {i}" in page.text
    assert len(pages.cached()) == kept
    assert "not a shape" not in " ".join(pages.cached())


@pytest.mark.parametrize(
    "shown", ["{{ who|upper }}", "{{ who|title }}", "{{ who|urlencode|upper }}"]
)
def test_a_hole_a_template_transforms_is_refused_not_shown(shown: str) -> None:
    """A template that filters a hole (a careless edit: `viewer|upper` as the avatar was)
    would show the marker and the process's token with it; rendering fails instead."""
    env = Environment(loader=DictLoader({"page.html": f"<b>{shown}</b>"}), autoescape=True)
    with pytest.raises(ValueError, match="hole"):
        SharedPages(env).render("page.html", {"who": hole("viewer")}, {"viewer": "ada"})


def test_values_equal_as_keys_but_shown_otherwise_are_two_pages() -> None:
    """A key compares values with ==: text equals the same text as Markup (shown raw),
    1 equals True and 1.0 (shown "1", "True", "1.0"). Each must get its own page."""
    env = Environment(loader=DictLoader({"page.html": "[{{ v }}]"}), autoescape=True)
    pages = SharedPages(env)
    assert pages.render("page.html", {"v": Markup("<i>ok</i>")}, {}) == "[<i>ok</i>]"
    assert pages.render("page.html", {"v": "<i>ok</i>"}, {}) == "[&lt;i&gt;ok&lt;/i&gt;]"
    shown = [pages.render("page.html", {"v": v}, {}) for v in (1, True, 1.0)]
    assert shown == ["[1]", "[True]", "[1.0]"]


def test_a_hole_followed_by_letters_is_filled() -> None:
    """A hole's end is the first "x" after its name: text after it (a class suffix, a
    word) is the page's own, not part of the name."""
    env = Environment(loader=DictLoader({"page.html": "{{ who }}box {{ who }}-x"}))
    page = SharedPages(env).render("page.html", {"who": hole("viewer")}, {"viewer": "ada"})
    assert page == "adabox ada-x"
    with pytest.raises(ValueError, match="lower-case letters"):
        hole("box")
