"""Signing in as an admin or a learner in tests, and reading what pages show."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.domain.errors import UsernameTaken
from app.persistence.database import Database
from app.services import admins
from tests.conftest import FAST_HASHER, PASSWORD

HX = {"HX-Request": "true"}


def text(page: str) -> str:
    """What a reader sees: tags dropped, entities read, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def sign_in(client: TestClient, username: str) -> TestClient:
    response = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client


def make_admin(sessions: sessionmaker[Session], clock: FakeClock, username: str = "root") -> None:
    units = Database(sessions.kw["bind"]).units
    via = {"via": "command line"}
    try:
        admins.create_admin(
            units, FAST_HASHER, clock=clock, username=username, password=PASSWORD, via=via
        )
    except UsernameTaken:  # a learner of the test: promote it
        admins.promote(units, clock=clock, username=username, via=via)
