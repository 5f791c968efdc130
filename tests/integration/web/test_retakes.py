"""One open run per learner and set (409 with its id), and the retake wait (429), over HTTP.

Time comes from the app's FakeClock; nothing sleeps.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.domain.runs import GRACE
from app.persistence.tables import RunRow
from app.services import retakes
from tests import builders
from tests.conftest import PASSWORD, TestClient, save_sets
from tests.integration.web.helpers import csrf, finish_run, run_id_of, start_run, text
from tests.live_server import LiveServer

START = "/api/challenges/gru-test/runs"
WAIT = 600  # the default retake_after, "10:00"


def test_a_second_start_answers_409_with_the_open_runs_id(api: TestClient) -> None:
    first = api.post(START, json={})
    assert first.status_code == 201
    again = api.post(START, json={})
    assert again.status_code == 409
    body = again.json()
    assert body["run_id"] == first.json()["run_id"]
    assert "open run of GRU Test Badge" in body["detail"]
    listed = {s["slug"]: s for s in api.get("/api/challenges").json()}
    assert listed["gru-test"]["open_run_id"] == first.json()["run_id"]


def test_the_start_form_continues_the_open_run_and_the_page_links_to_it(
    browser: TestClient,
) -> None:
    run_id = run_id_of(start_run(browser))
    intro = browser.get("/challenges/gru-test").text
    assert f'<a class="button primary" href="/runs/{run_id}">Continue your run</a>' in intro
    assert 'action="/challenges/gru-test/runs"' not in intro  # no "Start over" beside it
    assert "Continue your run" in text(browser.get("/").text)
    again = browser.post(
        "/challenges/gru-test/runs", data={"csrf_token": csrf(intro)}, follow_redirects=False
    )
    assert again.status_code == 303
    assert again.headers["location"] == f"/runs/{run_id}"


def test_a_retake_waits_retake_after_from_the_end_of_the_last_run(
    api: TestClient, clock: FakeClock
) -> None:
    run_id = api.post(START, json={}).json()["run_id"]
    clock.advance(30)
    finish_run(api, run_id)  # the last answer ends the run now
    ended = clock()
    clock.advance(100)
    refused = api.post(START, json={})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(WAIT - 100)
    assert refused.json()["detail"] == (
        f"You can retake GRU Test Badge in 9 min (at {ended + timedelta(seconds=WAIT):%H:%M}"
        " UTC): a retake waits after each run."
    )
    listed = {s["slug"]: s for s in api.get("/api/challenges").json()}
    opens = listed["gru-test"]["retake_opens_at"].replace("Z", "+00:00")
    assert opens == (ended + timedelta(seconds=WAIT)).isoformat()
    clock.advance(WAIT - 100 - 1)
    last_second = api.post(START, json={})
    assert (last_second.status_code, last_second.headers["Retry-After"]) == (429, "1")
    clock.advance(1)
    assert api.post(START, json={}).status_code == 201


def test_a_run_that_timed_out_ended_at_its_deadline_not_when_noticed(
    api: TestClient, clock: FakeClock
) -> None:
    run_id = api.post(START, json={}).json()["run_id"]
    for n in (1, 2, 3):  # every clock starts now; the longest is 2:00
        api.get(f"/api/runs/{run_id}/problems/{n}")
    # Nobody looks again until a second before the wait is over, counted from the
    # deadline and its grace: had the run ended when it was noticed, it would wait 10:00.
    clock.advance(120 + GRACE.total_seconds() + WAIT - 1)
    refused = api.post(START, json={})
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "1")
    clock.advance(1)
    assert api.post(START, json={}).status_code == 201


def test_while_a_problem_is_on_the_clock_the_run_stays_open(
    api: TestClient, clock: FakeClock
) -> None:
    run_id = api.post(START, json={}).json()["run_id"]
    finish_run(api, run_id)
    clock.advance(WAIT)
    second = api.post(START, json={}).json()["run_id"]
    api.get(f"/api/runs/{second}/problems/1")
    clock.advance(120 + GRACE.total_seconds())  # the last moment an answer counts
    assert api.post(START, json={}).json()["run_id"] == second  # 409: open
    clock.advance(1)
    assert api.post(START, json={}).status_code == 409  # problems 2 and 3 were never opened


def test_the_pages_say_when_the_set_opens_again(browser: TestClient, clock: FakeClock) -> None:
    finish_run(browser, run_id_of(start_run(browser)))
    opens = clock() + timedelta(seconds=WAIT)
    clock.advance(3 * 60)
    intro = browser.get("/challenges/gru-test").text
    assert f"You can retake this set in 7 min, at {opens:%H:%M} UTC" in text(intro)
    assert 'action="/challenges/gru-test/runs"' not in intro
    assert "Retake opens in 7 min" in text(browser.get("/").text)
    # A form left open in another tab is refused with the same message, not an error page.
    refused = browser.post(
        "/challenges/gru-test/runs", data={"csrf_token": csrf(intro)}, follow_redirects=False
    )
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(WAIT - 3 * 60)
    assert "You can retake GRU Test Badge in 7 min" in text(refused.text)


def test_after_a_badge_the_same_wait_holds(api: TestClient, clock: FakeClock) -> None:
    run_id = api.post(START, json={}).json()["run_id"]
    for n, right in ((1, "(2, 3, 5)"), (2, "Alpha answer"), (3, "Charlie answer")):
        shown = api.get(f"/api/runs/{run_id}/problems/{n}").json()
        options = [o["text"] for o in shown["options"] or []]
        answer = options.index(right) if options else right
        api.post(f"/api/runs/{run_id}/problems/{n}/answer", json={"answer": answer})
    assert api.get(f"/api/runs/{run_id}").json()["badge_awarded"]
    assert api.post(START, json={}).status_code == 429


def test_retake_after_zero_allows_a_retake_at_once(
    api: TestClient, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    save_sets(loaded, clock, replace(builders.challenge(), retake_after_seconds=0))
    finish_run(api, api.post(START, json={}).json()["run_id"])
    assert api.post(START, json={}).status_code == 201


def test_concurrent_starts_make_one_run(app: FastAPI) -> None:
    with LiveServer(app) as server, ThreadPoolExecutor(1) as pool:
        answers = pool.submit(lambda: asyncio.run(_start_at_once(server.url))).result()
    made = [a for a in answers if a.status_code == 201]
    assert len(made) == 1
    refused = [a for a in answers if a.status_code != 201]
    assert {a.status_code for a in refused} == {409}
    assert {a.json()["run_id"] for a in refused} == {made[0].json()["run_id"]}


async def _start_at_once(url: str) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url) as client:
        await client.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
        return list(await asyncio.gather(*(client.post(START, json={}) for _ in range(8))))


def test_the_database_refuses_a_second_open_run_when_the_check_is_raced(
    api: TestClient, loaded: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two starts in two processes both find no open run; the unique index decides."""
    first = api.post(START, json={}).json()["run_id"]
    monkeypatch.setattr(retakes, "ensure_may_start", lambda *args: None)  # the check "passed"
    raced = api.post(START, json={})
    assert raced.status_code == 409
    assert raced.json()["run_id"] == first
    with loaded() as session:
        row = session.get_one(RunRow, first)
        second = insert(RunRow).values(
            id="other", user_id=row.user_id, set_id=row.set_id, started_at=row.started_at
        )
        with pytest.raises(IntegrityError):
            session.execute(second)
