"""The site nav links to /admin for admins only; whether to show it is noted in the session."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.persistence.tables import User
from tests.conftest import PASSWORD, unit_of
from tests.integration.admin.web import HX, csrf, make_admin, sign_in

ADMIN_LINK = '<a href="/admin"'


def test_a_learner_has_no_admin_link(client: TestClient) -> None:
    client.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
    for path in ("/", "/me/badges", "/challenges/gru-test"):
        assert ADMIN_LINK not in client.get(path).text
    assert client.get("/admin").status_code == 403


def test_an_admin_has_one_on_every_page(
    client: TestClient, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    make_admin(loaded, clock)
    token = csrf(client.get("/login").text)
    client.post("/login", data={"username": "root", "password": PASSWORD, "csrf_token": token})
    for path in ("/", "/me/badges", "/challenges/gru-test"):
        html = client.get(path).text
        assert ADMIN_LINK in html
        assert ">Admin</a>" in html
    assert ADMIN_LINK + ' aria-current="page"' in client.get("/admin").text
    assert ADMIN_LINK not in client.get("/", headers=HX).text  # fragments have no nav


def test_the_note_follows_the_database_where_the_learner_is_loaded(
    client: TestClient, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    make_admin(loaded, clock, "ada")
    sign_in(client, "ada")
    assert ADMIN_LINK in client.get("/").text
    with unit_of(loaded) as uow:  # demoted behind the app's back
        uow.session.execute(update(User).where(User.username == "ada").values(is_admin=False))
        uow.commit()
    assert client.get("/admin").status_code == 403  # the database decides, not the note
    assert ADMIN_LINK not in client.get("/").text
    with unit_of(loaded) as uow:
        uow.session.execute(update(User).where(User.username == "ada").values(is_admin=True))
        uow.commit()
    client.get("/api/auth/me")
    assert ADMIN_LINK in client.get("/").text
