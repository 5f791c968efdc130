"""Badge credentials over HTTP: the learner's download, the public check, the issuer key."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain import did_key
from app.persistence.tables import AwardRow, User
from tests.conftest import unit_of
from tests.integration.admin.history import History, Take
from tests.integration.admin.web import csrf, text

PERFECT = [Take(("(2, 3, 5)",)), Take((0,)), Take((2,))]


@pytest.fixture
def award_id(api: TestClient, history: History, loaded: sessionmaker[Session]) -> str:
    """`ada` (signed in through the API) holds the GRU badge."""
    with unit_of(loaded) as uow:
        ada = uow.session.scalars(select(User.id).where(User.username == "ada")).one()
    history.run(ada, "gru-test", PERFECT)
    with unit_of(loaded) as uow:
        return uow.session.scalars(select(AwardRow.id)).one()


def test_learner_downloads_a_signed_open_badge(api: TestClient, award_id: str) -> None:
    response = api.get(f"/api/me/badges/{award_id}/credential")
    assert response.status_code == 200
    vc = response.json()
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["issuer"]["id"].startswith("did:key:z6Mk")
    assert vc["issuer"]["url"] == "http://127.0.0.1:8000"  # QUIZ_PUBLIC_URL, not the Host
    assert vc["validFrom"].endswith("Z")
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["name"] == "GRU Tester"
    assert achievement["criteria"]["narrative"]
    assert vc["evidence"][0]["type"] == ["Evidence"]
    header = json.loads(did_key.b64url_decode(vc["proof"]["jwt"].split(".")[0]))
    assert header["alg"] == "EdDSA"


def test_only_its_learner_gets_it(client: TestClient, api: TestClient, award_id: str) -> None:
    url = f"/api/me/badges/{award_id}/credential"
    api.post("/api/auth/register", json={"username": "eve", "password": "another password"})
    assert api.get(url).status_code == 404  # eve is signed in now
    api.cookies.clear()
    assert api.get(url).status_code == 401


def test_files_to_download(api: TestClient, award_id: str) -> None:
    as_json = api.get(f"/me/badges/{award_id}/credential.json")
    assert as_json.headers["content-disposition"] == f'attachment; filename="badge-{award_id}.json"'
    assert json.loads(as_json.text)["proof"]["type"] == "JwtProof2020"
    as_jwt = api.get(f"/me/badges/{award_id}/credential.jwt")
    assert as_jwt.headers["content-type"].startswith("application/vc+jwt")
    assert as_jwt.text.count(".") == 2


def test_verification_page_says_genuine_or_not(
    api: TestClient, client: TestClient, award_id: str
) -> None:
    document = api.get(f"/api/me/badges/{award_id}/credential").text
    api.cookies.clear()  # anyone may verify
    token = csrf(client.get("/credentials/verify").text)
    genuine = client.post(
        "/credentials/verify", data={"credential_text": document, "csrf_token": token}
    )
    shown = text(genuine.text)
    assert "✓ Genuine" in shown
    assert "Earned by ada" in shown
    changed = document.replace('"ada"', '"eve"')
    refused = text(
        client.post(
            "/credentials/verify", data={"credential_text": changed, "csrf_token": token}
        ).text
    )
    assert "✗ Not genuine: this credential was changed" in refused
    uploaded = client.post(
        "/credentials/verify",
        data={"csrf_token": token},
        files={"credential_file": ("badge.json", document.encode(), "application/json")},
    )
    assert "✓ Genuine" in text(uploaded.text)


def test_verification_api(api: TestClient, award_id: str) -> None:
    document = api.get(f"/api/me/badges/{award_id}/credential").json()
    verdict = api.post("/api/credentials/verify", json={"credential": document}).json()
    assert (verdict["verdict"], verdict["genuine"]) == ("genuine", True)
    jwt = document["proof"]["jwt"]
    flipped = jwt[:-3] + ("A" if jwt[-3] != "A" else "B") + jwt[-2:]
    bad = api.post("/api/credentials/verify", json={"credential": flipped}).json()
    assert bad["genuine"] is False
    assert bad["credential"] is None


def test_issuer_key_is_published_and_stable(
    client: TestClient, api: TestClient, award_id: str
) -> None:
    key = client.get("/issuer/key")
    assert key.headers["content-type"].startswith("application/jwk+json")
    jwk = key.json()
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")
    assert client.get("/issuer/key").json() == jwk
    assert client.get("/.well-known/jwks.json").json() == {"keys": [jwk]}
    profile = client.get("/issuer").json()
    assert profile["id"] == jwk["kid"].split("#")[0]
    vc = api.get(f"/api/me/badges/{award_id}/credential").json()
    assert vc["issuer"]["id"] == profile["id"]
    assert profile["verificationMethod"][0]["publicKeyMultibase"] == profile["id"].removeprefix(
        "did:key:"
    )
