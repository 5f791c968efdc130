"""/me/progress, /me/review and GET /api/me/progress: signed in only, and only one's own."""

from __future__ import annotations

from app.domain.clock import FakeClock
from tests.conftest import PASSWORD, TestClient
from tests.integration.web.helpers import HX, csrf, text

DAY = 24 * 3600


def _rate(browser: TestClient, index: int, rating: int = 3) -> None:
    token = csrf(browser.get("/patterns/seq-pattern").text)
    response = browser.post(
        f"/patterns/seq-pattern/cards/{index}",
        data={"rating": str(rating), "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_signed_out_pages_ask_to_sign_in_and_the_api_answers_401(client: TestClient) -> None:
    for page in ("/me/progress", "/me/review"):
        response = client.get(page, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={page}"
    assert client.get("/api/me/progress").status_code == 401


def test_a_new_learner_sees_where_to_start(browser: TestClient) -> None:
    html = browser.get("/me/progress").text
    assert 'href="/me/progress" aria-current="page">Progress</a>' in html
    page = text(html)
    assert "Nothing here yet" in page
    assert "Start with GRU Test Badge" in page
    assert "0 cards due now" in page
    assert "NLP" in page
    assert "0 of 1 badge held" in page
    assert 'href="/challenges/gru-test"' in html
    assert "Sequence classification" in page


def test_the_nav_links_progress_for_signed_in_learners_only(client: TestClient) -> None:
    assert 'href="/me/progress"' not in client.get("/").text
    client.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
    assert 'href="/me/progress"' in client.get("/").text


def test_reviewing_due_cards_without_javascript(browser: TestClient, clock: FakeClock) -> None:
    empty = text(browser.get("/me/review").text)
    assert "No card is scheduled yet" in empty
    _rate(browser, 0)
    _rate(browser, 1)
    waiting = text(browser.get("/me/review").text)
    assert "All caught up" in waiting
    assert "The next card is due in" in waiting
    assert "The next card is due in" in text(browser.get("/me/progress").text)

    clock.advance(DAY)
    progress = text(browser.get("/me/progress").text)
    assert "2 cards due now" in progress
    assert "Review due cards" in progress
    html = browser.get("/me/review").text
    assert "2 cards due" in text(html)
    assert "What is sequence classification?" in html
    assert "Which loss?" not in html  # one card at a time, in order
    response = browser.post(
        "/me/review/seq-pattern/cards/0",
        data={"rating": "3", "csrf_token": csrf(html)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/me/review"
    html = browser.get("/me/review").text
    assert "1 card due" in text(html)
    assert "Which loss?" in html
    # The rating is recorded as on the pattern page: the card is no longer due there.
    assert "1 of 2 cards due" in text(browser.get("/patterns/seq-pattern").text)


def test_reviewing_with_htmx_swaps_in_the_next_card(browser: TestClient, clock: FakeClock) -> None:
    _rate(browser, 0)
    _rate(browser, 1)
    clock.advance(DAY)
    token = csrf(browser.get("/me/review").text)
    headers = {**HX, "X-CSRF-Token": token}
    first = browser.post("/me/review/seq-pattern/cards/0", data={"rating": "4"}, headers=headers)
    assert "<html" not in first.text
    assert "Rated Easy" in text(first.text)
    assert "Which loss?" in first.text
    last = browser.post("/me/review/seq-pattern/cards/1", data={"rating": "3"}, headers=headers)
    assert "All caught up" in text(last.text)
    assert "The next card is due in" in text(last.text)


def test_a_rating_needs_the_csrf_token_and_a_real_card(browser: TestClient) -> None:
    token = csrf(browser.get("/me/review").text)
    refused = browser.post("/me/review/seq-pattern/cards/0", data={"rating": "3"})
    assert refused.status_code == 403
    missing = browser.post(
        "/me/review/seq-pattern/cards/7", data={"rating": "3", "csrf_token": token}
    )
    assert missing.status_code == 404
    bad = browser.post("/me/review/seq-pattern/cards/0", data={"rating": "9", "csrf_token": token})
    assert bad.status_code == 422


def test_the_api_gives_progress_and_never_another_learners(
    client: TestClient, clock: FakeClock
) -> None:
    client.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
    assert client.post("/api/challenges/gru-test/runs", json={}).status_code == 201
    _rate(client, 0)
    clock.advance(DAY)
    mine = client.get("/api/me/progress").json()
    [topic] = mine["topics"]
    assert topic["topic"] == "NLP"
    assert topic["badges_held"] == []
    assert topic["sets_left"][0]["slug"] == "gru-test"
    assert topic["sets_left"][0]["attempted"] is True
    assert topic["sets_left"][0]["url"] == "/challenges/gru-test"
    [pattern] = mine["patterns"]
    assert (pattern["due_now"], pattern["due_today"], pattern["new"]) == (1, 1, 1)
    assert mine["due_now"] == 1
    assert mine["review_url"] == "/me/review"
    assert mine["suggestion"]["set"]["slug"] == "gru-test"
    assert mine["suggestion"]["kind"] == "in_started_topic"

    client.post("/logout", data={"csrf_token": csrf(client.get("/").text)})
    client.post("/api/auth/register", json={"username": "bob", "password": PASSWORD})
    theirs = client.get("/api/me/progress").json()
    assert theirs["due_now"] == 0
    assert theirs["patterns"][0]["new"] == 2
    assert theirs["topics"][0]["sets_left"][0]["attempted"] is False
    assert theirs["suggestion"]["kind"] == "any_unearned"
    review = text(client.get("/me/review").text)
    assert "No card is scheduled yet" in review


def test_the_api_is_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/api/me/progress"]["get"]
    assert "401" in operation["responses"]
    assert "ProgressOut" in spec["components"]["schemas"]
