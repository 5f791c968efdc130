"""QUIZ_PUBLIC_URL is the only source of absolute URLs; other Host headers get 400
(issue 11, point 3)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.clock import FakeClock
from app.persistence.tables import User
from tests.conftest import FAST_HASHER, PASSWORD, TestClient, unit_of
from tests.integration.admin.history import History, Take
from tests.integration.admin.web import make_admin, sign_in

PERFECT = [Take(("(2, 3, 5)",)), Take((0,)), Take((2,))]
PUBLIC = "https://quiz.example.org"


def app_of(settings: Settings, clock: FakeClock, **changes: object) -> FastAPI:
    from app.web.app import create_app

    return create_app(settings.model_copy(update=changes), clock=clock, password_hasher=FAST_HASHER)


def ada_with_a_badge(client: TestClient, history: History, sessions: sessionmaker[Session]) -> str:
    response = client.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
    assert response.status_code == 201, response.text
    with unit_of(sessions) as uow:
        ada = uow.session.scalars(select(User.id).where(User.username == "ada")).one()
    history.run(ada, "gru-test", PERFECT)
    awards = client.get("/api/me/badges").json()
    return str(awards[0]["id"])


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "testserver.evil.example"])
def test_an_unknown_host_gets_400(client: TestClient, host: str) -> None:
    for path in ("/", "/api/challenges", "/issuer", "/login"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400, (host, path)
        assert "evil.example" not in response.text


def test_the_default_allows_the_public_url_and_loopback_only(
    settings: Settings, clock: FakeClock, loaded: sessionmaker[Session]
) -> None:
    default = Settings(DATABASE_URL=settings.database_url, QUIZ_SECRET_KEY=settings.secret_key)
    assert default.public_url == "http://127.0.0.1:8000"
    client = TestClient(app_of(default, clock))
    assert client.get("/").status_code == 400  # "testserver" is not ours by default
    for host in ("127.0.0.1:8000", "127.0.0.1:9123", "localhost", "[::1]:8000"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host


def test_quiz_allowed_hosts_adds_names(
    settings: Settings, clock: FakeClock, loaded: sessionmaker[Session]
) -> None:
    extra = Settings(
        DATABASE_URL=settings.database_url,
        QUIZ_SECRET_KEY=settings.secret_key,
        QUIZ_PUBLIC_URL=PUBLIC,
        QUIZ_ALLOWED_HOSTS=" quiz.internal , other.example ",
    )
    client = TestClient(app_of(extra, clock))
    for host in ("quiz.example.org", "quiz.internal", "other.example:8080"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400


def test_a_credential_names_the_public_url_whatever_the_host(
    settings: Settings, clock: FakeClock, loaded: sessionmaker[Session], history: History
) -> None:
    app = app_of(
        settings, clock, public_url=PUBLIC + "/", allowed_hosts="testserver,forged.example"
    )
    with TestClient(app) as client:
        award_id = ada_with_a_badge(client, history, loaded)
        forged = {"Host": "forged.example"}
        vc = client.get(f"/api/me/badges/{award_id}/credential", headers=forged).json()
        assert vc["issuer"]["url"] == PUBLIC
        achievement = vc["credentialSubject"]["achievement"]
        assert achievement["id"] == f"{PUBLIC}/challenges/gru-test#badge"
        assert achievement["creator"]["url"] == PUBLIC
        assert "forged.example" not in str(vc)
        assert client.get("/issuer", headers=forged).json()["url"] == PUBLIC
        check = client.post("/api/credentials/verify", json={"credential": vc}).json()
        assert check["genuine"] is True, check


def test_verify_refuses_a_credential_naming_another_site(
    settings: Settings, clock: FakeClock, loaded: sessionmaker[Session], history: History
) -> None:
    # Issued (and signed with this site's key) while the site called itself elsewhere:
    # a forged Host on main, here an older public URL.
    with TestClient(app_of(settings, clock, public_url="http://elsewhere.example")) as client:
        award_id = ada_with_a_badge(client, history, loaded)
        vc = client.get(f"/api/me/badges/{award_id}/credential").json()
    with TestClient(app_of(settings, clock, public_url=PUBLIC)) as client:
        check = client.post("/api/credentials/verify", json={"credential": vc}).json()
        assert check["genuine"] is False
        assert check["verdict"] == "foreign"
        assert "elsewhere.example" in check["explanation"]
        page = client.get("/credentials/verify")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        shown = client.post(
            "/credentials/verify", data={"credential_text": vc["proof"]["jwt"], "csrf_token": token}
        )
        assert "Not issued by this site" in shown.text


def test_admin_sort_and_page_links_are_relative(
    client: TestClient, loaded: sessionmaker[Session], clock: FakeClock, history: History
) -> None:
    ada_with_a_badge(client, history, loaded)
    make_admin(loaded, clock)
    sign_in(client, "root")
    page = client.get("/admin/awards").text
    assert 'href="/admin/awards?' in page
    assert "http://testserver" not in page
