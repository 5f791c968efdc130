"""The HTML pages: full page and htmx fragment, forms with CSRF, no-JS flows (PRG)."""

from __future__ import annotations

import re

import pytest

from app.domain.clock import FakeClock
from tests.conftest import PASSWORD, TestClient
from tests.integration.web.helpers import HX, csrf, start_run, text


@pytest.mark.parametrize(
    "path", ["/", "/login", "/register", "/challenges/gru-test", "/patterns/seq-pattern"]
)
def test_public_pages_full_and_partial(client: TestClient, path: str) -> None:
    full = client.get(path)
    assert full.status_code == 200
    assert "<html" in full.text
    partial = client.get(path, headers=HX)
    assert partial.status_code == 200
    assert "<html" not in partial.text


def test_catalog_lists_topic_count_and_time(client: TestClient) -> None:
    html = client.get("/").text
    assert "GRU Test Badge" in html
    assert "NLP" in html
    assert "5:00" in html  # 120 + 90 + 90 seconds
    assert "Sequence classification" in html


def test_form_post_without_csrf_is_refused(client: TestClient) -> None:
    response = client.post("/login", data={"username": "ada", "password": PASSWORD})
    assert response.status_code == 403
    assert "expired" in response.text


def test_wrong_password_shows_message(client: TestClient) -> None:
    token = csrf(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "x", "password": "y" * 8, "csrf_token": token}
    )
    assert response.status_code == 401
    assert "do not match" in response.text


def test_signed_out_problem_redirects_to_login(client: TestClient) -> None:
    response = client.get("/me/badges", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/me/badges"


def test_login_next_stays_on_site(client: TestClient) -> None:
    client.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
    client.post("/api/auth/logout", json={})
    token = csrf(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "username": "ada",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_intro_page_matches_the_seed(browser: TestClient) -> None:
    html = browser.get("/challenges/gru-test").text
    assert "Challenge · 3 Problems" in html
    assert "Get all challenges correct to earn this badge!" in html
    assert "Test your skills under time pressure!" in html
    assert "GRU Tester" in html


def test_problem_page_without_js(browser: TestClient, clock: FakeClock) -> None:
    url = start_run(browser)
    html = browser.get(url).text
    assert "❓ Predict Output" in text(html)
    assert "intermediate" in html
    assert '2:00</span> <span class="timer-label">remaining' in html
    assert 'role="timer"' in html
    assert "Attempts: <strong>2 left</strong>" in html
    assert '<span class="code-lang">NLP</span>' in html
    assert 'class="highlight"' in html
    assert "💡" in html
    assert "(batch, seq_len, hidden)" not in html  # the explanation waits
    token = csrf(html)
    bad = browser.post(url + "/answer", data={"answer": "(3, 4", "csrf_token": token})
    assert bad.status_code == 422
    assert "missing its closing" in bad.text
    assert "Attempts: <strong>2 left</strong>" in bad.text
    wrong = browser.post(url + "/answer", data={"answer": "(2, 5)", "csrf_token": token})
    assert "✗ Incorrect — 1 attempt left" in text(wrong.text)
    hint = browser.post(url + "/hint", data={"csrf_token": token})
    assert "Batch comes first." in hint.text
    clock.advance(5)
    right = browser.post(url + "/answer", data={"answer": "2x3x5", "csrf_token": token})
    assert "✓ Correct" in text(right.text)
    assert "(batch, seq_len, hidden)" in right.text
    assert "Next problem →" in right.text


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ("(" + "9" * 5000 + ", 3)", "An answer is at most 200 characters."),
        ("(2147483648, 3, 5)", "each dimension is a whole number below 2147483648"),
        ("(" + ", ".join(["1"] * 40) + ")", "A shape has at most 16 dimensions"),
    ],
    ids=["5000-digits", "2**31", "40-dimensions"],
)
def test_an_oversized_shape_answer_is_shown_plainly(
    browser: TestClient, answer: str, said: str
) -> None:
    """Issue 11, point 8, on the form: the problem page says what is accepted, no attempt used."""
    url = start_run(browser)
    token = csrf(browser.get(url).text)
    for headers in ({}, {**HX, "X-CSRF-Token": token}):
        response = browser.post(
            url + "/answer", data={"answer": answer, "csrf_token": token}, headers=headers
        )
        assert response.status_code == 422
        assert said in text(response.text)
        assert "Attempts: <strong>2 left</strong>" in response.text
        assert answer not in response.text or len(answer) <= 200


def test_wrong_option_stays_disabled(browser: TestClient) -> None:
    url = start_run(browser).removesuffix("/1") + "/2"  # not .replace: run ids hold "1"s
    html = browser.get(url).text
    options = re.findall(r'<span class="option-text">([^<]+)</span>', html)
    wrong = next(i for i, text in enumerate(options) if text != "Alpha answer")
    after = browser.post(
        url + "/answer", data={"answer": str(wrong), "csrf_token": csrf(html)}
    ).text
    assert re.search(rf'value="{wrong}" id="opt-{wrong}" required\s+disabled', after)
    assert "The answer to gate" not in after


def test_htmx_answer_returns_the_fragment(browser: TestClient) -> None:
    url = start_run(browser)
    token = csrf(browser.get(url).text)
    response = browser.post(
        url + "/answer", data={"answer": "(2, 3, 5)"}, headers={**HX, "X-CSRF-Token": token}
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "✓ Correct" in text(response.text)
    hint = browser.post(url + "/hint", headers={**HX, "X-CSRF-Token": token})
    assert hint.text.strip().startswith('<div class="hint"')


def test_time_up_shows_the_explanation(browser: TestClient, clock: FakeClock) -> None:
    url = start_run(browser)
    token = csrf(browser.get(url).text)
    clock.advance(123)
    html = browser.get(url).text
    assert "Time&#39;s up" in html or "Time's up" in html
    assert "(batch, seq_len, hidden)" in html
    late = browser.post(url + "/answer", data={"answer": "(2, 3, 5)", "csrf_token": token})
    assert late.status_code == 410


def test_result_page_and_badges(browser: TestClient) -> None:
    url = start_run(browser)
    run_url = url.rsplit("/problems", 1)[0]
    token = csrf(browser.get(url).text)
    browser.post(url + "/answer", data={"answer": "(2, 3, 5)", "csrf_token": token})
    for n, wanted in ((2, "Alpha answer"), (3, "Charlie answer")):
        page = browser.get(f"{run_url}/problems/{n}").text
        options = re.findall(r'<span class="option-text">([^<]+)</span>', page)
        browser.post(
            f"{run_url}/problems/{n}/answer",
            data={"answer": str(options.index(wanted)), "csrf_token": token},
        )
    result = browser.get(run_url).text
    assert "Badge earned" in result
    assert "All 3 problems correct" in result
    badges = browser.get("/me/badges").text
    assert "GRU Tester" in badges
    download = re.search(r'href="(/me/badges/[^"]+/credential\.json)"', badges)
    assert download is not None
    credential = browser.get(download.group(1)).json()
    assert "OpenBadgeCredential" in credential["type"]
    assert "🏅 Earned" in browser.get("/").text
    assert "3/3" in browser.get("/").text


def test_markdown_escapes_raw_html(browser: TestClient) -> None:
    from app.web.rendering import markdown

    assert "<script>" not in markdown("<script>alert(1)</script>")


def test_code_blocks_can_be_reached_by_keyboard_to_scroll(browser: TestClient) -> None:
    from app.web.rendering import markdown

    html = markdown("```python\nx = torch.zeros(2, 3)\n```")
    assert html.startswith('<pre class="highlight" tabindex="0" role="group" aria-label="Code">')


def test_signed_in_pages_full_and_partial(browser: TestClient) -> None:
    problem = start_run(browser)
    run = problem.rsplit("/problems", 1)[0]
    paths = [problem, run, "/me/badges", "/patterns/seq-pattern/practice/1", "/"]
    for path in paths:
        full = browser.get(path)
        partial = browser.get(path, headers=HX)
        assert full.status_code == partial.status_code == 200, path
        assert "<html" in full.text
        assert "<html" not in partial.text


def test_unknown_pages_are_friendly_404s(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "There is nothing at this address." in page.text
    assert client.get("/api/nothing").json() == {"detail": "Not found."}
    assert client.get("/challenges/nope").status_code == 404
