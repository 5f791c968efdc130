"""Security headers on every response (issue 11, point 11), and pages that keep to the CSP."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI

from app.web.rendering import markdown
from app.web.templating import width
from tests.conftest import TestClient
from tests.integration.web.helpers import csrf, start_run

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)


def assert_secured(response) -> None:  # type: ignore[no-untyped-def]
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.url, name)
    policy = response.headers.get("content-security-policy", "")
    for directive in POLICY:
        assert directive in policy.split("; "), (response.url, directive)
    assert "unsafe" not in policy
    assert len(response.headers.get_list("content-security-policy")) == 1


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/login", 200),
        ("/challenges/gru-test", 200),
        ("/api/challenges", 200),
        ("/healthz", 200),
        ("/static/app.css", 200),
        ("/static/vendor/htmx.min.js", 200),
        ("/docs", 200),
        ("/openapi.json", 200),
        ("/nothing-here", 404),
        ("/api/nothing-here", 404),
        ("/runs/x/problems/1", 200),  # signed out: redirected to /login
        ("/api/me/badges", 401),
    ],
)
def test_every_kind_of_response_has_the_headers(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert_secured(response)
    assert "strict-transport-security" not in response.headers


def test_refusals_and_errors_have_them_too(client: TestClient) -> None:
    json_type = {"Content-Type": "application/json"}
    for response, status in (
        (client.post("/api/auth/login", content=b"{", headers=json_type), 422),
        (client.post("/api/auth/login", content=b" " * 100_000, headers=json_type), 413),
        (client.post("/login", files={"f": ("f", b"x")}), 415),
        (client.post("/api/auth/login", data={"username": "ada"}), 403),  # the API's CSRF rule
        (client.post("/login", data={"username": "ada"}), 403),  # no CSRF token
    ):
        assert response.status_code == status
        assert_secured(response)


def test_a_server_error_has_them(app: FastAPI) -> None:
    async def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/broken", broken)
    app.add_api_route("/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        for path in ("/api/broken", "/broken"):
            response = client.get(path)
            assert response.status_code == 500
            assert_secured(response)


def test_hsts_only_over_https(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver") as secure:
        for path in ("/", "/api/challenges", "/static/app.css"):
            assert secure.get(path).headers["strict-transport-security"] == "max-age=31536000"


def test_the_api_docs_are_served_from_static_without_inline_script(client: TestClient) -> None:
    html = client.get("/docs").text
    sources = re.findall(r'<script src="([^"]+)"></script>', html)
    assert sources == ["/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/api-docs.js"]
    assert "<script>" not in html
    assert "http" not in html  # nothing from a CDN
    for source in sources:
        assert client.get(source).status_code == 200
    assert client.get("/static/vendor/swagger-ui/swagger-ui.css").status_code == 200
    assert client.get("/redoc").status_code == 404


def no_inline_style(html: str) -> None:
    assert "style=" not in html
    assert "<style" not in html


def test_pages_with_bars_use_classes_not_style_attributes(browser: TestClient) -> None:
    url = start_run(browser)
    problem = browser.get(url).text
    no_inline_style(problem)
    assert re.search(r'<span class="timer-bar" aria-hidden="true"><span class="w-100">', problem)
    token = csrf(problem)
    browser.post(url + "/answer", data={"answer": "(2, 3, 5)", "csrf_token": token})
    run = url.split("/problems/")[0]
    result = browser.get(run).text
    no_inline_style(result)
    assert '<span class="w-33">' in result  # 1 of 3 correct
    no_inline_style(browser.get("/").text)
    no_inline_style(browser.get("/patterns/seq-pattern/practice/1").text)


def test_the_width_class_is_clamped_and_rounded() -> None:
    assert [width(v) for v in (-5, 0, 33.3, 66.7, 100, 250)] == [
        "w-0", "w-0", "w-33", "w-67", "w-100", "w-100",
    ]  # fmt: skip


def test_markdown_table_alignment_is_a_class() -> None:
    html = markdown("| a | b |\n|--:|:-:|\n| 1 | 2 |\n")
    assert "style=" not in html
    assert '<td class="align-right">1</td>' in html
    assert '<th class="align-center">b</th>' in html
