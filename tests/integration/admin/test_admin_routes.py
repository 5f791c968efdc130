"""Every admin route refuses anonymous visitors and learners, found by walking the app.

A route added under /admin or /api/admin later is walked too, so it cannot slip
through unprotected.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from tests.integration.admin.web import make_admin, sign_in

PARAMS = {"learner_id": "1", "slug": "gru-test", "key": "gate"}


def admin_routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if not (path == "/admin" or path.startswith(("/admin/", "/api/admin/"))):
            continue
        url = re.sub(r"{(\w+)(:\w+)?}", lambda m: PARAMS.get(m.group(1), "x"), path)
        found += [(method, url) for method in sorted(route.methods or ()) if method != "HEAD"]
    return found


def call(client: TestClient, method: str, url: str) -> int:
    if url.startswith("/api/"):
        response = client.request(method, url, json={})
    else:
        response = client.request(method, url, data={}, follow_redirects=False)
    return response.status_code


def test_the_walk_finds_every_kind_of_admin_route(app: FastAPI) -> None:
    routes = set(admin_routes(app))
    assert {
        ("GET", "/admin"),
        ("GET", "/admin/awards.csv"),
        ("GET", "/api/admin/awards"),
        ("POST", "/admin/learners/1/time-multiplier"),
        ("PUT", "/api/admin/learners/1/time-multiplier"),
    } <= routes
    assert len(routes) >= 20


def test_anonymous_visitors_are_sent_to_sign_in(app: FastAPI, client: TestClient) -> None:
    for method, url in admin_routes(app):
        if url.startswith("/api/"):
            response = client.request(method, url, json={})
            assert response.status_code == 401, (method, url)
        else:
            response = client.request(method, url, data={}, follow_redirects=False)
            assert response.status_code == 303, (method, url)
            assert response.headers["location"].startswith("/login?next="), (method, url)


def test_learners_are_refused(app: FastAPI, api: TestClient) -> None:
    for method, url in admin_routes(app):
        assert call(api, method, url) == 403, (method, url)


def test_a_learner_is_refused_with_a_plain_message(api: TestClient) -> None:
    page = api.get("/admin/awards")
    assert page.status_code == 403
    assert "Only administrators" in page.text
    assert api.get("/api/admin/awards").json()["detail"] == "Only administrators may do that."


def test_admins_get_every_page(
    app: FastAPI, client: TestClient, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    make_admin(loaded, clock)  # account 1, so /admin/learners/1 exists
    sign_in(client, "root")
    for method, url in admin_routes(app):
        if method == "GET":
            assert call(client, method, url) == 200, url
