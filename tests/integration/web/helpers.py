"""Reading pages the way a person (or a form) would."""

from __future__ import annotations

import re
from html import unescape

from tests.conftest import TestClient

HX = {"HX-Request": "true"}


def text(html: str) -> str:
    """What a reader sees: tags dropped, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def start_run(browser: TestClient, slug: str = "gru-test") -> str:
    """Start a run through the intro page's form; the URL of its first problem."""
    page = browser.get(f"/challenges/{slug}").text
    response = browser.post(
        f"/challenges/{slug}/runs", data={"csrf_token": csrf(page)}, follow_redirects=False
    )
    assert response.status_code == 303
    return str(response.headers["location"])
