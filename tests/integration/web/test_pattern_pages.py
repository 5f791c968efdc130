"""Pattern pages without JavaScript (forms and redirects) and as htmx fragments."""

from __future__ import annotations

import re

from tests.conftest import TestClient
from tests.integration.web.helpers import HX, csrf, text

PAGE = "/patterns/seq-pattern"


def test_pattern_page_sections(browser: TestClient) -> None:
    html = text(browser.get(PAGE).text)
    for words in (
        "Recall & Review",
        "Click to reveal answer",
        "Quiz",
        "Explain it yourself",
        "Start practice (1/3)",
        "Test this pattern",
        "5 questions across easy, medium, and hard",
    ):
        assert words in html
    assert "Explanation 0." not in html  # the quiz explains itself after an answer


def test_quiz_answer_without_js_and_with_htmx(browser: TestClient) -> None:
    token = csrf(browser.get(PAGE).text)
    page = browser.post(f"{PAGE}/quiz/0", data={"choice": "1", "csrf_token": token})
    assert "✗ Incorrect" in text(page.text)
    assert "Explanation 0." in page.text
    fragment = browser.post(
        f"{PAGE}/quiz/0", data={"choice": "0"}, headers={**HX, "X-CSRF-Token": token}
    )
    assert "<html" not in fragment.text
    assert "✓ Correct" in text(fragment.text)


def test_explain_scores_concepts(browser: TestClient) -> None:
    token = csrf(browser.get(PAGE).text)
    response = browser.post(
        f"{PAGE}/explain/0",
        data={"text": "Gates let it remember earlier steps.", "csrf_token": token},
        headers={**HX},
    )
    assert "You got 2/3 concepts." in response.text
    assert "Missed: final hidden state" in text(response.text)


def test_rating_a_card_redirects_back(browser: TestClient) -> None:
    token = csrf(browser.get(PAGE).text)
    response = browser.post(
        f"{PAGE}/cards/0", data={"rating": "3", "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    fragment = browser.post(
        f"{PAGE}/cards/1", data={"rating": "1"}, headers={**HX, "X-CSRF-Token": token}
    )
    assert "comes back in" in fragment.text
    assert "1 of 2 cards due" in text(browser.get(PAGE).text) or "0 of 2" in text(
        browser.get(PAGE).text
    )


def test_rating_needs_sign_in(client: TestClient) -> None:
    token = csrf(client.get(PAGE).text)
    response = client.post(
        f"{PAGE}/cards/0", data={"rating": "3", "csrf_token": token}, follow_redirects=False
    )
    assert response.headers["location"].startswith("/login")


def test_practice_one_at_a_time(browser: TestClient) -> None:
    first = browser.get(f"{PAGE}/practice/1")
    assert "Practice (1/3)" in text(first.text)
    assert "Final Answer:" not in first.text
    checked = browser.post(
        f"{PAGE}/practice/1", data={"choice": "1", "csrf_token": csrf(first.text)}
    )
    assert "✓ Correct" in text(checked.text)
    for words in ("Step 1: think.", "Final Answer:", "Quick Check:", "Common Mistakes:"):
        assert words in checked.text
    assert browser.get(f"{PAGE}/practice/9").status_code == 404
    assert "Final Answer:" in browser.get(f"{PAGE}/practice/2?solution=1").text


def test_pattern_test_flow(browser: TestClient) -> None:
    token = csrf(browser.get(PAGE).text)
    started = browser.post(f"{PAGE}/tests", data={"csrf_token": token}, follow_redirects=False)
    url = started.headers["location"]
    html = browser.get(url).text
    keys = sorted(set(re.findall(r'name="((?:quiz|practice):\d+)"', html)))
    assert len(keys) == 5
    scored = browser.post(url, data={"csrf_token": token, keys[0]: "0"})
    assert "You scored" in text(scored.text)
