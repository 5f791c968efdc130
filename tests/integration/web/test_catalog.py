"""The catalog's filters over HTTP: GET /api/challenges and the page at /, with and
without htmx."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.domain.challenge import Level
from app.domain.clock import FakeClock
from tests import builders
from tests.conftest import TestClient, save_sets
from tests.integration.web.helpers import HX, text

RESULTS = {**HX, "HX-Target": "catalog-results"}


@pytest.fixture
def cnn(loaded: sessionmaker[Session], clock: FakeClock) -> None:
    """A third set, beginner CNNs, beside the fixture's GRU challenge and NLP-less pattern."""
    problems = tuple(
        replace(builders.choice(k, 0), level=Level.BEGINNER, prompt=f"Conv2d with padding {k}?")
        for k in ("a", "b")
    )
    found = replace(builders.challenge("cnn-basics", problems, title="Convolutions"), topic="CNNs")
    save_sets(loaded, clock, found)


def listed(client: TestClient, query: str) -> list[str]:
    response = client.get(f"/api/challenges{query}")
    assert response.status_code == 200, response.text
    return [s["slug"] for s in response.json()]


def test_api_keeps_its_fields_and_adds_topic_and_level(client: TestClient, cnn: None) -> None:
    sets = {s["slug"]: s for s in client.get("/api/challenges").json()}
    gru = sets["gru-test"]
    assert gru["kind"] == "challenge"
    assert gru["title"] == "GRU Test Badge"
    assert gru["problem_count"] == 3
    assert gru["badge"]["name"] == "GRU Tester"
    assert gru["topic"] == "NLP"
    assert gru["level"] == "intermediate"
    assert sets["cnn-basics"]["level"] == "beginner"
    assert sets["seq-pattern"]["kind"] == "pattern"


def test_api_filters(client: TestClient, cnn: None) -> None:
    assert listed(client, "?topic=cnns") == ["cnn-basics"]
    assert listed(client, "?level=beginner") == ["cnn-basics"]
    assert listed(client, "?topic=NLP&level=beginner") == []
    assert listed(client, "?q=PADDING") == ["cnn-basics"]
    assert listed(client, "?q=gru&topic=&level=") == ["gru-test"]
    assert listed(client, "?sort=level") == ["cnn-basics", "gru-test", "seq-pattern"]
    assert listed(client, "?q=%00%F0%9F%94%A5%27%22") == []  # NUL, emoji, quotes: just text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?level=wizard", "Unknown level"),
        ("?sort=best", "Unknown sort"),
        ("?q=" + "x" * 10_000, "at most 200 characters"),
    ],
)
def test_api_refuses_bad_values_plainly(client: TestClient, query: str, message: str) -> None:
    response = client.get(f"/api/challenges{query}")
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_page_form_keeps_the_query_and_lists_topics_from_the_data(
    client: TestClient, cnn: None
) -> None:
    html = client.get("/?topic=CNNs&level=beginner&q=conv&sort=newest").text
    assert '<option value="CNNs" selected>CNNs</option>' in html
    assert '<option value="NLP" >NLP</option>' in html
    assert '<option value="beginner" selected>' in html
    assert '<option value="newest" selected>' in html
    assert 'value="conv"' in html
    seen = text(html)
    assert "1 of 3 sets matches" in seen
    assert "Convolutions" in seen
    assert "GRU Test Badge" not in seen
    assert "Clear filters" in seen


def test_page_labels_every_filter(client: TestClient) -> None:
    html = client.get("/").text
    for name in ("q", "topic", "level", "sort"):
        assert f'<label for="catalog-{name}">' in html
        assert f'id="catalog-{name}"' in html
    assert 'role="status"' in html
    assert 'role="search"' in html


def test_empty_results_say_so_and_offer_to_clear(client: TestClient) -> None:
    seen = text(client.get("/?q=transformer").text)
    assert "No sets match “transformer”." in seen
    assert "0 of 2 sets match" in seen
    assert "Clear filters" in seen


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?level=wizard", "Unknown level; use one of: beginner"),
        ("?q=" + "x" * 10_000, "Search for at most 200 characters."),
    ],
)
def test_page_bad_values_show_a_message_and_the_whole_catalog(
    client: TestClient, query: str, message: str
) -> None:
    response = client.get("/" + query)
    assert response.status_code == 422
    seen = text(response.text)
    assert message in seen
    assert "GRU Test Badge" in seen
    assert "x" * 300 not in response.text  # the query is not echoed back


def test_htmx_filter_gets_the_list_and_the_count_alone(client: TestClient, cnn: None) -> None:
    response = client.get("/?topic=CNNs", headers=RESULTS)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "<form" not in response.text  # the form stays as the learner left it
    assert '<span id="catalog-count" hx-swap-oob="innerHTML">1 of 3 sets matches</span>' in (
        response.text
    )
    assert "Convolutions" in response.text
    assert "GRU Test Badge" not in response.text


def test_other_htmx_requests_get_the_page_fragment(client: TestClient) -> None:
    response = client.get("/?topic=NLP", headers=HX)
    assert "<html" not in response.text
    assert "<form" in response.text
    assert "hx-swap-oob" not in response.text


def test_a_history_restore_gets_the_whole_page(client: TestClient) -> None:
    response = client.get("/?topic=NLP", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in response.text


def test_cards_show_the_learners_state(browser: TestClient, clock: FakeClock) -> None:
    from tests.integration.web.helpers import finish_run, run_id_of, start_run

    finish_run(browser, run_id_of(start_run(browser)))
    seen = text(browser.get("/?topic=NLP&sort=not-earned").text)
    assert re.search(r"Your best [0-3]/3", seen)  # options are shuffled per run
    assert "Retake opens in 10 min" in seen


def test_a_summary_is_markdown_on_the_cards_and_the_pattern_page(
    client: TestClient, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    summary = "Shapes out of `nn.Conv2d`, *step by step*"
    save_sets(loaded, clock, replace(builders.pattern("conv-shapes"), summary=summary))
    for page in (client.get("/").text, client.get("/patterns/conv-shapes").text):
        assert "<code>nn.Conv2d</code>" in page
        assert "`nn.Conv2d`" not in page
