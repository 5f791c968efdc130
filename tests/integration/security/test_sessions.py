"""Sessions end on the server: logout, a password change and 14 days each end one, and an
old cookie replayed afterwards opens nothing (issue 11, point 6)."""

from __future__ import annotations

import hashlib

from fastapi import FastAPI
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.clock import FakeClock
from tests.conftest import PASSWORD, TestClient
from tests.integration.admin.web import make_admin, sign_in
from tests.integration.web.helpers import csrf, text

NEW_PASSWORD = "a brand new passphrase"
DAY = 24 * 3600
XHR = {"X-Requested-With": "fetch"}


def cookie_of(client: TestClient) -> str:
    return client.cookies["quiz_session"]


def replay(app: FastAPI, cookie: str, path: str = "/api/auth/me") -> int:
    """A request from elsewhere carrying only `cookie`."""
    response = TestClient(app).get(
        path, headers={"Cookie": f"quiz_session={cookie}"}, follow_redirects=False
    )
    return response.status_code


def payload(settings: Settings, cookie: str) -> dict[str, object]:
    assert settings.secret_key is not None
    signer = URLSafeTimedSerializer(
        settings.secret_key, salt="quiz-session", signer_kwargs={"digest_method": hashlib.sha256}
    )
    data: dict[str, object] = signer.loads(cookie)
    return data


def test_a_cookie_kept_past_api_logout_is_refused(app: FastAPI, api: TestClient) -> None:
    kept = cookie_of(api)
    assert replay(app, kept) == 200
    assert api.post("/api/auth/logout", headers=XHR).status_code == 204
    assert replay(app, kept) == 401
    assert replay(app, kept, "/me/badges") == 303  # to the sign-in page


def test_a_cookie_kept_past_the_sign_out_button_is_refused(
    app: FastAPI, browser: TestClient, settings: Settings
) -> None:
    kept = cookie_of(browser)
    home = browser.get("/")
    assert "Signed in as ada" in text(home.text)
    browser.post("/logout", data={"csrf_token": csrf(home.text)})
    assert replay(app, kept) == 401
    page = TestClient(app).get("/", headers={"Cookie": f"quiz_session={kept}"})
    assert "Signed in as" not in text(page.text)
    assert "Sign in" in text(page.text)
    # and the cookie sent back in its place signs in nobody
    replaced = page.cookies["quiz_session"]
    assert "uid" not in payload(settings, replaced)
    assert "sid" not in payload(settings, replaced)


def test_a_revoked_admin_session_opens_no_admin_page(
    app: FastAPI, client: TestClient, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    make_admin(loaded, clock)
    sign_in(client, "root")
    kept = cookie_of(client)
    assert replay(app, kept, "/admin") == 200
    assert replay(app, kept, "/api/admin/awards") == 200
    client.post("/api/auth/logout", headers=XHR)
    assert replay(app, kept, "/admin") == 303
    assert replay(app, kept, "/admin/awards.csv") == 303
    assert replay(app, kept, "/api/admin/awards") == 401


def test_sessions_expire_on_the_server_after_14_days(
    app: FastAPI, api: TestClient, clock: FakeClock
) -> None:
    kept = cookie_of(api)
    clock.advance(14 * DAY - 1)
    assert replay(app, kept) == 200
    clock.advance(2)
    assert replay(app, kept) == 401


def test_login_rotates_the_session_id(app: FastAPI, api: TestClient, settings: Settings) -> None:
    first = cookie_of(api)
    response = api.post("/api/auth/login", json={"username": "ada", "password": PASSWORD})
    assert response.status_code == 200
    second = cookie_of(api)
    first_id, second_id = payload(settings, first)["sid"], payload(settings, second)["sid"]
    assert isinstance(first_id, str)
    assert len(first_id) >= 32
    assert first_id != second_id
    assert replay(app, first) == 401  # signing in again ends the session it replaced
    assert replay(app, second) == 200


def test_a_session_planted_before_sign_in_is_not_the_one_signed_in(
    app: FastAPI, client: TestClient, settings: Settings
) -> None:
    page = client.get("/login")  # an anonymous session, as a page someone planted
    planted = cookie_of(client)
    response = client.post(
        "/login", data={"username": "ada", "password": PASSWORD, "csrf_token": csrf(page.text)}
    )
    assert response.status_code == 401  # no such account yet
    client.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
    signed_in = payload(settings, cookie_of(client))
    assert isinstance(signed_in.get("sid"), str)
    assert signed_in.get("sid") != payload(settings, planted).get("sid")
    assert replay(app, planted) == 401


def test_a_cookie_without_a_live_session_id_is_refused(
    app: FastAPI, api: TestClient, settings: Settings
) -> None:
    """Signed with the site's own key, but naming no session (or a made-up one)."""
    assert settings.secret_key is not None
    signer = URLSafeTimedSerializer(
        settings.secret_key, salt="quiz-session", signer_kwargs={"digest_method": hashlib.sha256}
    )
    uid = payload(settings, cookie_of(api))["uid"]
    assert replay(app, signer.dumps({"uid": uid, "name": "ada"})) == 401
    assert replay(app, signer.dumps({"uid": uid, "name": "ada", "sid": "x" * 43})) == 401
    other = payload(settings, cookie_of(api)) | {"uid": 999}
    assert replay(app, signer.dumps(other)) == 401  # a live id, another learner


def test_a_password_change_ends_the_other_sessions(app: FastAPI, api: TestClient) -> None:
    elsewhere = TestClient(app)
    response = elsewhere.post("/api/auth/login", json={"username": "ada", "password": PASSWORD})
    assert response.status_code == 200
    other = cookie_of(elsewhere)

    changed = api.post(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 204, changed.text
    assert replay(app, other) == 401
    assert api.get("/api/auth/me").status_code == 200  # this one stays signed in
    fresh = TestClient(app)
    old = fresh.post("/api/auth/login", json={"username": "ada", "password": PASSWORD})
    assert old.status_code == 401
    new = fresh.post("/api/auth/login", json={"username": "ada", "password": NEW_PASSWORD})
    assert new.status_code == 200


def test_a_password_change_needs_the_current_password(app: FastAPI, api: TestClient) -> None:
    wrong = api.post(
        "/api/auth/password",
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 403
    assert wrong.json()["detail"] == "Your current password is not right."
    short = api.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": "short"}
    )
    assert short.status_code == 422
    assert "at least 8 characters" in short.json()["detail"]
    assert api.get("/api/auth/me").status_code == 200
    anonymous = TestClient(app).post(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert anonymous.status_code == 401


def test_the_password_page_changes_it_with_csrf(app: FastAPI, browser: TestClient) -> None:
    elsewhere = TestClient(app)
    elsewhere.post("/api/auth/login", json={"username": "ada", "password": PASSWORD})
    other = cookie_of(elsewhere)
    page = browser.get("/me/password")
    assert page.status_code == 200
    form = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert browser.post("/me/password", data=form).status_code == 403  # no CSRF token
    wrong = browser.post(
        "/me/password",
        data={**form, "current_password": "nope nope", "csrf_token": csrf(page.text)},
    )
    assert wrong.status_code == 403
    assert "Your current password is not right." in text(wrong.text)
    done = browser.post("/me/password", data={**form, "csrf_token": csrf(page.text)})
    assert done.status_code == 200
    assert "Your password is changed" in text(done.text)
    assert replay(app, other) == 401
    assert browser.get("/api/auth/me").status_code == 200
    assert replay(app, other, "/me/password") == 303
