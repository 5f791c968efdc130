"""Admin pages and the admin API with data in them: full pages and htmx fragments,
the CSV over HTTP, the accommodation form, previews, content errors."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.authoring.errors import AuthoringError
from app.domain.clock import FakeClock
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import audit, content_status
from app.services.loading import FileOutcome, FileStatus, LoadReport
from tests import builders
from tests.conftest import save_sets
from tests.integration.admin.history import History, Take
from tests.integration.admin.web import HX, csrf, make_admin, sign_in, text

PERFECT = [Take(("(2, 3, 5)",), seconds=20), Take((0,), seconds=10), Take((2,), seconds=30)]


@pytest.fixture
def admin(client: TestClient, loaded: sessionmaker[Session], clock: FakeClock) -> TestClient:
    make_admin(loaded, clock)
    return sign_in(client, "root")


@pytest.fixture
def runs(history: History) -> dict[str, int]:
    ann, bob = history.learner("ann"), history.learner("bob")
    history.run(ann, "gru-test", PERFECT)
    history.run(bob, "gru-test", [Take(("[2,5]", "2x5"), seconds=50), Take((1, 3)), Take((0,))])
    return {"ann": ann, "bob": bob}


PAGES = [
    "/admin",
    "/admin/awards",
    "/admin/learners",
    "/admin/analytics",
    "/admin/analytics/gru-test",
    "/admin/content",
    "/admin/audit",
    "/admin/sets/gru-test",
    "/admin/sets/gru-test/problems/shape",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_full_and_partial(admin: TestClient, runs: dict[str, int], path: str) -> None:
    full = admin.get(path)
    assert full.status_code == 200, full.text
    assert "<html" in full.text
    assert 'aria-label="Admin"' in full.text
    partial = admin.get(path, headers=HX)
    assert partial.status_code == 200
    assert "<html" not in partial.text


def test_learner_page_shows_runs_and_awards(admin: TestClient, runs: dict[str, int]) -> None:
    page = text(admin.get(f"/admin/learners/{runs['ann']}").text)
    assert "GRU Tester" in page
    assert "3/3" in page
    bob = text(admin.get(f"/admin/learners/{runs['bob']}").text)
    assert "0/3" in bob
    assert "No badges yet." in bob


def test_awards_page_filters_and_sorts(admin: TestClient, runs: dict[str, int]) -> None:
    page = admin.get("/admin/awards", params={"learner": "AN", "sort": "duration", "order": "asc"})
    shown = text(page.text)
    assert "ann" in shown
    assert "1:00" in shown
    assert 'aria-sort="ascending"' in page.text
    none = text(admin.get("/admin/awards", params={"learner": "bob"}).text)
    assert "No awards match" in none
    bad = admin.get("/admin/awards", params={"since": "yesterday"})
    assert bad.status_code == 422
    assert "YYYY-MM-DD" in bad.text


def test_awards_csv_and_json(admin: TestClient, runs: dict[str, int]) -> None:
    response = admin.get("/admin/awards.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="awards-')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["learner"], r["badge"], r["set"], r["attempts_used"]) for r in rows] == [
        ("ann", "GRU Tester", "gru-test", "3")
    ]
    body = admin.get("/api/admin/awards").json()
    assert (body["total"], body["page"], body["pages"]) == (1, 1, 1)
    (award,) = body["awards"]
    assert award["learner"] == "ann"
    assert award["badge"] == "GRU Tester"
    assert award["set"] == "gru-test"
    assert award["run_duration_seconds"] == 60
    assert award["awarded_at"].startswith("2025-12-30T12:01:00")
    assert admin.get("/api/admin/awards", params={"badge": "nope"}).json()["total"] == 0


def test_csv_download_is_in_the_audit_log(
    admin: TestClient, runs: dict[str, int], loaded: sessionmaker[Session]
) -> None:
    admin.get("/admin/awards.csv", params={"badge": "gru-test"})
    entries = admin.get("/api/admin/audit").json()["entries"]
    assert (entries[0]["who"], entries[0]["action"]) == ("root", "awards.exported")
    assert entries[0]["detail"] == {"rows": 1, "badge": "gru-test"}
    assert "exported" in text(admin.get("/admin/audit").text)


def test_accommodation_form(
    units: UnitOfWorkFactory, admin: TestClient, runs: dict[str, int], loaded: sessionmaker[Session]
) -> None:
    page = admin.get(f"/admin/learners/{runs['bob']}").text
    response = admin.post(
        f"/admin/learners/{runs['bob']}/time-multiplier",
        data={"multiplier": "150%", "csrf_token": csrf(page)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    shown = text(admin.get(response.headers["location"]).text)
    assert "bob now has 1.5× time" in shown
    (entry, *_rest) = audit.entries(units).items
    assert (entry.actor, entry.target, entry.detail["to"]) == ("root", "bob", 1.5)
    refused = admin.post(
        f"/admin/learners/{runs['bob']}/time-multiplier",
        data={"multiplier": "9", "csrf_token": csrf(page)},
    )
    assert refused.status_code == 422
    assert "between 1× and 4×" in refused.text
    no_token = admin.post(
        f"/admin/learners/{runs['bob']}/time-multiplier", data={"multiplier": "2"}
    )
    assert no_token.status_code == 403


def test_accommodation_api(admin: TestClient, runs: dict[str, int]) -> None:
    url = f"/api/admin/learners/{runs['bob']}/time-multiplier"
    body = admin.put(url, json={"time_multiplier": 2}).json()
    assert (body["username"], body["previous"], body["time_multiplier"]) == ("bob", 1.0, 2.0)
    assert admin.put(url, json={"time_multiplier": 0.5}).status_code == 422
    assert admin.get(f"/api/admin/learners/{runs['bob']}").json()["learner"]["time_multiplier"] == 2


@pytest.mark.parametrize("learner_id", [str(2**63), "9" * 30, "0", "-1"])
def test_a_learner_id_past_sqlite_s_integers_is_404_not_500(
    admin: TestClient, learner_id: str
) -> None:
    """2**63 and up reached SQLite as a bound parameter: OverflowError, a 500."""
    for method, path in [
        ("GET", f"/api/admin/learners/{learner_id}"),
        ("GET", f"/admin/learners/{learner_id}"),
        ("PUT", f"/api/admin/learners/{learner_id}/time-multiplier"),
    ]:
        response = admin.request(
            method, path, json={"time_multiplier": 2} if method == "PUT" else None
        )
        assert response.status_code in (404, 422), (path, response.status_code)
    page = admin.get("/admin/learners")
    token = csrf(page.text)
    form = admin.post(
        f"/admin/learners/{learner_id}/time-multiplier",
        data={"multiplier": "2", "csrf_token": token},
        follow_redirects=False,
    )
    assert form.status_code in (404, 422)


def test_analytics_page_and_json(admin: TestClient, runs: dict[str, int]) -> None:
    html = admin.get("/admin/analytics/gru-test").text
    assert html.count('<svg class="chart') >= 5
    assert "<title" in html
    assert "<desc" in html
    assert "(2, 5)" in text(html)  # bob's two wrong shapes as one
    data = admin.get("/api/admin/analytics/gru-test").json()
    assert (data["runs_started"], data["runs_finished"], data["badge_rate"]) == (2, 2, 0.5)
    shape = data["problems"][0]
    assert shape["wrong_shapes"] == [{"shape": "(2, 5)", "count": 2}]
    assert data["problems"][1]["options"][0] == {
        "text": "Alpha answer", "correct": True, "first_choice": 1, "chosen": 1, "current": True,
    }  # fmt: skip
    scoped = admin.get("/api/admin/analytics/gru-test", params={"since": "2030-01-01"}).json()
    assert scoped["runs_started"] == 0
    assert admin.get("/admin/analytics/seq-pattern").status_code == 404


def test_preview_shows_the_answer(admin: TestClient) -> None:
    shown = text(admin.get("/admin/sets/gru-test/problems/debug").text)
    assert "✓ Charlie answer" in shown
    assert "Because charlie answer." in shown  # the option's why
    assert "The answer to debug is Charlie answer." in shown
    free = text(admin.get("/admin/sets/gru-test/problems/shape").text)
    assert "(2, 3, 5)" in free
    assert "shape_of" in free
    assert admin.get("/admin/sets/gru-test/problems/nope").status_code == 404


def test_preview_runs_the_code_when_a_runner_is_plugged_in(admin: TestClient) -> None:
    from app.sandbox.protocol import SnippetJob, SnippetResult

    class Runner:  # the sandbox's interface (app.sandbox.client.Sandbox.run_async)
        async def run_async(self, job: SnippetJob) -> SnippetResult:
            return SnippetResult(
                status="ok",
                stdout="torch.Size([2, 3, 5])\n",
                duration_ms=12,
                tensors={"output": [2, 3, 5]},
            )

    page = admin.get("/admin/sets/gru-test/problems/shape").text
    assert "Run it now" not in page  # no sandbox in tests
    admin.app.state.sandbox = Runner()  # type: ignore[attr-defined]
    page = admin.get("/admin/sets/gru-test/problems/shape").text
    assert "Run it now" in page
    result = admin.post(
        "/admin/sets/gru-test/problems/shape/run", data={"csrf_token": csrf(page)}, headers=HX
    )
    assert result.status_code == 200
    assert "torch.Size([2, 3, 5])" in result.text
    assert "Tensor shapes" in result.text
    assert "<code>output</code>" in result.text
    assert "<html" not in result.text


def test_content_page_shows_load_errors(
    units: UnitOfWorkFactory, admin: TestClient, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    error = AuthoringError(
        "challenges/gru.yaml", 42, ("problems", 3, "time_limit"), '"2:75" is not a time'
    )
    report = LoadReport(
        files=[
            FileOutcome("challenges/gru.yaml", FileStatus.FAILED, slug="gru", errors=[error]),
            FileOutcome(
                "challenges/ok.yaml", FileStatus.LOADED, slug="gru-test", contents="3 problem(s)"
            ),
        ]
    )
    content_status.record_report(units, report, clock=clock, whole_tree=True)
    shown = text(admin.get("/admin/content").text)
    assert 'challenges/gru.yaml:42: problems[3].time_limit: "2:75" is not a time' in shown
    fragment = admin.get("/admin/content", headers=HX).text
    assert 'hx-trigger="every 2s"' in fragment
    assert "<html" not in fragment
    board = text(admin.get("/admin").text)
    assert "1 challenge files with errors" in board
    assert admin.get("/api/admin/content").json()[0]["errors"][0]["line"] == 42


def test_content_page_counts_problems_by_topic_and_level(
    admin: TestClient, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    save_sets(loaded, clock, builders.variant_challenge())

    html = admin.get("/admin/content").text

    rows = {
        cells[0]: cells[1:]
        for row in re.findall(r"<tr>\s*(<th scope=\"row\">.*?)</tr>", html, re.S)
        if (cells := [text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)])
    }
    # Columns: beginner, intermediate, advanced, expert, total, challenge sets, pattern sets.
    # NLP: gru-test's 3 and variant-test's 3 (a problem with 4 variants, a pool of 2).
    assert rows["NLP"] == ["–", "6 2 pooled · 4 variants", "–", "–", "6", "2", "0"]
    assert rows["(no topic)"] == ["–", "–", "–", "–", "0", "0", "1"]  # the pattern set
    assert "<html" not in admin.get("/admin/content", headers=HX).text  # the poll skips it
