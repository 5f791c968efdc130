"""Every page satisfies the Content-Security-Policy it is served with (issue 11, point 11).

The `page` fixture fails a test on any CSP violation; the other browser tests walk the
learner's pages that way. This one checks that the policy is really there (a page
without one has no violation to report), and walks what they do not: the admin
pages, the API docs, credential verification and an error page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Response, expect

from tests.e2e.conftest import register, shot, sign_in_admin
from tests.integration.admin.test_admin_web import PAGES as ADMIN_PAGES

pytestmark = pytest.mark.e2e


def visit(page: Page, path: str) -> Response:
    response = page.goto(path)
    assert response is not None
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy, f"{path}: {policy!r}"
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers.get("x-content-type-options") == "nosniff"
    return response


def test_a_problem_page_with_htmx_satisfies_the_policy(page: Page) -> None:
    register(page, "csp-learner")
    visit(page, "/")
    visit(page, "/challenges/gru-test")
    page.get_by_role("button", name="Start challenge").click()
    expect(page.get_by_role("timer")).to_be_visible()
    visit(page, page.url)  # the problem page itself, with its policy
    page.get_by_label("Your answer").fill("(2, 5)")
    page.keyboard.press("Enter")  # htmx swaps the page's main part
    expect(page.get_by_text("✗ Incorrect — 1 attempt left")).to_be_visible()
    page.get_by_role("button", name="Hint").click()
    expect(page.locator("#hint")).to_contain_text("Batch comes first.")
    page.get_by_label("Your answer").fill("(2, 3, 5)")
    page.keyboard.press("Enter")
    expect(page.get_by_text("✓ Correct")).to_be_visible()
    page.get_by_role("button", name="Run", exact=True).click()  # htmx swaps in the output
    expect(page.locator("#run-output pre")).to_have_text("torch.Size([2, 3, 5])")
    run = page.url.split("/problems/")[0]
    visit(page, run)
    visit(page, "/patterns/sequence-classification")
    page.locator("details[data-flashcard] summary").first.click()
    visit(page, "/me/badges")
    visit(page, "/credentials/verify")
    response = visit(page, "/nothing-here")
    assert response.status == 404


def test_admin_pages_satisfy_the_policy(page: Page) -> None:
    sign_in_admin(page)
    for path in ADMIN_PAGES:
        visit(page, path)
        name = "admin" + path.removeprefix("/admin").replace("/", "-")
        shot(page, name)


def test_the_api_docs_load_offline_and_satisfy_the_policy(page: Page) -> None:
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(("http://127.0.0.1", "data:"))
            else None
        ),
    )
    visit(page, "/docs")
    answer = page.get_by_text("/api/runs/{run_id}/problems/{n}/answer")
    expect(answer).to_be_visible()
    answer.click()  # expanded: parameters, the body's example and its highlighting
    page.get_by_role("button", name="Try it out").click()
    expect(page.get_by_role("button", name="Execute")).to_be_visible()
    shot(page, "docs")
    assert outside == []
    redoc = page.goto("/redoc")
    assert redoc is not None
    assert redoc.status == 404
