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


def run_id_of(url: str) -> str:
    """The run's id in a page's URL: /runs/<id>/problems/<n>."""
    return url.split("/")[2]


def finish_run(client: TestClient, run_id: str) -> None:
    """End every problem still pending, by answers (option after option, or made-up shapes)."""
    summary = client.get(f"/api/runs/{run_id}").json()
    for problem in summary["problems"]:
        if problem["outcome"] != "pending":
            continue
        address = f"/api/runs/{run_id}/problems/{problem['n']}"
        choice = bool(client.get(address).json()["options"])
        for i in range(problem["max_attempts"]):
            body = {"answer": i if choice else f"({i + 1}, 1)"}
            response = client.post(address + "/answer", json=body)
            assert response.status_code == 200, response.text
            if response.json()["finished"]:
                break
