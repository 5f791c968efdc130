"""Pages of a variant problem: the learner sees (and runs) their own variant; the admin
preview lists every variant with its values and executed answer."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.clock import FakeClock
from app.persistence.sets import SetRepository
from app.web.app import create_app
from tests import builders
from tests.conftest import FAST_HASHER, TestClient, save_sets, unit_of
from tests.fakes import FakeRunner
from tests.integration.admin.web import make_admin, sign_in
from tests.integration.web.helpers import csrf, start_run, text

SLUG = "variant-test"


@pytest.fixture
def runner() -> FakeRunner:
    return FakeRunner()


@pytest.fixture
def app(
    settings: Settings, clock: FakeClock, sessions: sessionmaker[Session], runner: FakeRunner
) -> FastAPI:
    problem = builders.variant_problem()
    save_sets(sessions, clock, builders.challenge(SLUG, (problem,), title="Variant Test"))
    with unit_of(sessions) as uow:
        SetRepository(uow.session).set_executed(SLUG, "lstm", builders.variant_executed(problem))
        uow.commit()
    return create_app(settings, clock=clock, sandbox=runner, password_hasher=FAST_HASHER)


def squeezed(page: str) -> str:
    return text(page).replace(" ", "")


def values_on(page: str) -> tuple[int, int]:
    found = re.search(r"A batch of (\d+) sequences through <code>hidden_size=(\d+)</code>", page)
    assert found, page
    return int(found.group(1)), int(found.group(2))


def test_the_learner_sees_runs_and_is_graded_on_their_own_variant(
    browser: TestClient, runner: FakeRunner
) -> None:
    url = start_run(browser, SLUG)
    page = browser.get(url).text
    batch, hidden = values_on(page)
    assert "${" not in page  # every placeholder filled, nothing of the template leaks
    assert f"torch.randn({batch},7,4)" in squeezed(page)  # the code is highlighted

    token = csrf(page)
    browser.post(url + "/answer", data={"answer": f"({batch}, 7, {hidden})", "csrf_token": token})
    done = browser.get(url).text
    assert "✓ Correct" in text(done)
    assert f"`out` is `({batch}, 7, {hidden})`" not in done  # rendered as Markdown, filled
    assert f"({batch}, 7, {hidden})" in text(done)

    code = re.search(r'<textarea id="run-code"[^>]*>\n?(.*?)</textarea>', done, re.S)
    assert code is not None
    assert f"LSTM(4, {hidden}, batch_first=True)" in code.group(1)
    browser.post(url + "/run", data={"code": code.group(1), "csrf_token": csrf(done)})
    assert runner.codes == [code.group(1)]
    assert f"torch.randn({batch}, 7, 4)" in runner.codes[0]


def test_admin_preview_lists_every_variant_with_its_executed_answer(
    client: TestClient, sessions: sessionmaker[Session], clock: FakeClock, runner: FakeRunner
) -> None:
    make_admin(sessions, clock)
    admin = sign_in(client, "root")

    page = text(admin.get(f"/admin/sets/{SLUG}/problems/lstm").text)
    assert "4 variants, placeholders as written" in page
    for batch in (2, 3):
        for hidden in (5, 6):
            assert f"batch={batch}, hidden={hidden} ok · [{batch}, 7, {hidden}]" in page
            assert f"({batch}, 7, {hidden})" in page

    shown = admin.get(f"/admin/sets/{SLUG}/problems/lstm?variant=3").text
    assert "variant 4 of 4: batch=3, hidden=6" in text(shown)
    assert "LSTM(4,6,batch_first=True)" in squeezed(shown)
    assert admin.get(f"/admin/sets/{SLUG}/problems/lstm?variant=4").status_code == 404

    admin.post(
        f"/admin/sets/{SLUG}/problems/lstm/run",
        data={"csrf_token": csrf(shown), "variant": "3"},
    )
    assert "torch.randn(3, 7, 4)" in runner.codes[-1]


def test_the_api_and_the_page_show_the_same_variant(browser: TestClient) -> None:
    url = start_run(browser, SLUG)
    batch, hidden = values_on(browser.get(url).text)
    run_id = url.split("/")[2]

    shown = browser.get(f"/api/runs/{run_id}/problems/1").json()

    assert shown["prompt"] == (
        f"A batch of {batch} sequences through `hidden_size={hidden}`: shape of `out`?"
    )
    assert f"torch.randn({batch}, 7, 4)" in shown["code"]
    assert "${" not in str(shown)


def test_the_admin_outline_marks_pools_and_variants(
    client: TestClient, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    save_sets(sessions, clock, builders.variant_challenge("pooled"))
    make_admin(sessions, clock)
    admin = sign_in(client, "root")

    page = text(admin.get("/admin/sets/pooled").text)

    assert "1. Output of an LSTM Predict Output · intermediate · lstm · 4 variants" in page
    assert "2. Question pool-a Conceptual · intermediate · pool-a · pool" in page
    assert "2. Question pool-b Conceptual · intermediate · pool-b · pool" in page
