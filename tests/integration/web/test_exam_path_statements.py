"""The intro page, starting a run and the result page: a fixed, small number of SQL
statements each, whatever the size of the set (no statement per problem, bar the
INSERT of each problem a run takes), and the set's content read from the process's
cache once its stamp is checked (app.persistence.set_content)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.clock import FakeClock
from app.web.app import create_app
from tests import builders
from tests.conftest import FAST_HASHER, TestClient, save_sets
from tests.integration.web.helpers import csrf, finish_run, run_id_of
from tests.integration.web.test_problem_page_hot_path import register, statements

BIG = "gru-big"
SIZES = {"gru-test": 3, BIG: 8}


def _queries(seen: list[str]) -> list[str]:
    return [s for s in seen if s.split()[0].upper() in ("SELECT", "UPDATE", "INSERT", "DELETE")]


def _kinds(queries: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for query in queries:
        verb = query.split()[0].upper()
        counts[verb] = counts.get(verb, 0) + 1
    return counts


@pytest.mark.sqlite_only("counts statements with SQLite's trace callback (it sees prepared ones)")
def test_intro_start_and_result_run_few_statements_whatever_the_set_size(
    settings: Settings, clock: FakeClock, loaded: sessionmaker[Session]
) -> None:
    problems = tuple(builders.choice(f"q{i}", i % 3) for i in range(SIZES[BIG]))
    save_sets(loaded, clock, builders.challenge(BIG, problems, title="GRU, at length"))
    app = create_app(settings, clock=clock, password_hasher=FAST_HASHER)
    with statements(app.state.engine) as seen, TestClient(app) as browser:
        register(browser, "ada")
        for slug, size in SIZES.items():
            browser.get(f"/challenges/{slug}")  # the first read in this process fills the cache
            seen.clear()
            page = browser.get(f"/challenges/{slug}")
            assert page.status_code == 200
            intro = _queries(seen)
            # The session; the set's stamp; the learner's scores, badge, open runs and
            # last end. The set itself comes from the cache.
            assert len(intro) == 6, intro
            assert _kinds(intro) == {"SELECT": 6}, intro
            assert not [q for q in intro if "FROM problems" in q or "problem_revisions" in q]

            seen.clear()
            started = browser.post(
                f"/challenges/{slug}/runs", data={"csrf_token": csrf(page.text)},
                follow_redirects=False,
            )  # fmt: skip
            assert started.status_code == 303
            start = _queries(seen)
            # Reads: the session, the stamp, open runs, last end, the time multiplier and
            # what was seen before; the run is not read back (the page goes on to its
            # first problem). Its problems go to the driver in one call (executemany),
            # which SQLite's trace still shows one INSERT each.
            assert _kinds(start) == {"SELECT": 6, "INSERT": 1 + size}, start

            run = run_id_of(started.headers["location"])
            seen.clear()
            assert browser.get(f"/runs/{run}").status_code == 200  # under way
            # The session, the run, its states (to settle it), the run as settled, the
            # set's heading, its problems with their revisions' hashes, the awards.
            assert _kinds(_queries(seen)) == {"SELECT": 7}, _queries(seen)

            finish_run(browser, run)
            seen.clear()
            assert browser.get(f"/runs/{run}").status_code == 200
            result: list[Any] = _queries(seen)
            # The session, the run (finished: nothing to settle), the set's heading, its
            # problems with their revisions' hashes, the learner's awards.
            assert _kinds(result) == {"SELECT": 5}, result
