"""Signed badge credentials: issued once per key, verified, and refused when changed."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain import did_key
from app.domain.clock import FakeClock
from app.domain.errors import NotFound
from app.persistence.database import Database
from app.persistence.issuer_keys import IssuerKeyStore
from app.persistence.tables import AwardRow, IssuerKeyRow
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import credentials
from app.services.credentials import IssuedCredential, Verdict
from tests.conftest import unit_of
from tests.integration.admin.history import History, Take

SITE = "https://quiz.example"
SECRET = "s" * 40


@pytest.fixture
def award(history: History, loaded: sessionmaker[Session]) -> tuple[int, str]:
    ada = history.learner("ada")
    history.run(ada, "gru-test", [Take(("(2, 3, 5)",)), Take((0,)), Take((2,), hint=True)])
    with unit_of(loaded) as uow:
        award_id = uow.session.scalars(select(AwardRow.id)).one()
    return ada, award_id


@pytest.fixture
def issued(
    units: UnitOfWorkFactory,
    award: tuple[int, str],
    loaded: sessionmaker[Session],
    clock: FakeClock,
) -> IssuedCredential:
    learner, award_id = award
    return credentials.issue_credential(
        units, clock=clock, learner_id=learner, award_id=award_id, site_url=SITE, secret=SECRET
    )


def check(
    loaded: sessionmaker[Session], clock: FakeClock, text: str
) -> credentials.CredentialCheck:
    units = Database(loaded.kw["bind"]).units
    return credentials.verify_credential(units, clock=clock, text=text, site_url=SITE)


def test_issued_credential_verifies(
    issued: IssuedCredential, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    result = check(loaded, clock, issued.jwt)
    assert result.verdict is Verdict.GENUINE
    assert result.award_on_record
    assert (result.learner, result.badge_name) == ("ada", "GRU Tester")
    assert result.credential == issued.credential
    assert issued.credential["evidence"][0]["narrative"].endswith("3 attempt(s) and 1 hint(s).")


def test_any_changed_byte_is_caught(
    issued: IssuedCredential, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    header, payload, signature = issued.jwt.split(".")
    claims = json.loads(did_key.b64url_decode(payload))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "mallory"
    forged = f"{header}.{did_key.b64url(json.dumps(claims).encode())}.{signature}"
    assert check(loaded, clock, forged).verdict is Verdict.ALTERED
    for index in (len(header) + 5, len(issued.jwt) - 1, len(issued.jwt) - 10):
        flipped = "A" if issued.jwt[index] != "A" else "B"
        damaged = issued.jwt[:index] + flipped + issued.jwt[index + 1 :]
        assert not check(loaded, clock, damaged).verdict.is_genuine, index


def test_another_key_is_not_this_site(
    issued: IssuedCredential, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    """A forger who re-signs with their own key (and names it in the header) gets nowhere."""
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes_raw()
    mine = did_key.multibase_of(raw)
    header = {"alg": "EdDSA", "kid": did_key.verification_method_of(mine)}
    issuer = {**issued.credential["issuer"], "id": f"did:key:{mine}"}
    claims = {**issued.credential, "issuer": issuer}
    parts = (json.dumps(header).encode(), json.dumps(claims).encode())
    signing_input = ".".join(did_key.b64url(part) for part in parts)
    token = f"{signing_input}.{did_key.b64url(key.sign(signing_input.encode()))}"
    assert check(loaded, clock, token).verdict is Verdict.FOREIGN


@pytest.mark.parametrize("text", ["", "hello", "a.b", "{}", "[1]", "{not json", "a.b.c"])
def test_rubbish_is_unreadable_not_an_error(
    text: str, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    assert check(loaded, clock, text).verdict is Verdict.UNREADABLE


def test_the_download_verifies_and_its_readable_part_is_checked_too(
    issued: IssuedCredential, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    document = issued.document()
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["proof"] == {"type": "JwtProof2020", "jwt": issued.jwt}
    text = json.dumps(document, indent=2)
    assert check(loaded, clock, text).verdict is Verdict.GENUINE
    changed = text.replace('"identityHash": "ada"', '"identityHash": "adb"')
    assert changed != text
    assert check(loaded, clock, changed).verdict is Verdict.ALTERED
    reordered = json.dumps(dict(reversed(list(document.items()))))
    assert check(loaded, clock, reordered).verdict is Verdict.GENUINE  # same JSON, any layout


def test_accepts_other_wrappings(
    issued: IssuedCredential, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    assert check(loaded, clock, json.dumps({"jwt": issued.jwt})).verdict is Verdict.GENUINE
    assert check(loaded, clock, json.dumps(issued.jwt)).verdict is Verdict.GENUINE
    envelope = json.dumps(
        {"type": "EnvelopedVerifiableCredential", "id": f"data:application/vc+jwt,{issued.jwt}"}
    )
    assert check(loaded, clock, envelope).verdict is Verdict.GENUINE


def test_signature_checks_with_the_published_jwk(
    units: UnitOfWorkFactory, issued: IssuedCredential, loaded, clock
) -> None:
    """What any JOSE library does: the published key, the signing input, the signature."""
    (key,) = credentials.issuer_keys(units, clock=clock, secret=SECRET)
    header, payload, signature = issued.jwt.split(".")
    public = Ed25519PublicKey.from_public_bytes(did_key.b64url_decode(key.jwk["x"]))
    public.verify(did_key.b64url_decode(signature), f"{header}.{payload}".encode())
    decoded = json.loads(did_key.b64url_decode(header))
    assert decoded["alg"] == "EdDSA"
    assert decoded["kid"] == key.verification_method
    assert decoded["jwk"]["x"] == key.jwk["x"]
    assert issued.credential["issuer"]["id"] == key.did


def test_key_is_created_once_and_kept(
    units: UnitOfWorkFactory, award, loaded: sessionmaker[Session], clock
) -> None:
    learner, award_id = award
    first = credentials.issue_credential(
        units, clock=clock, learner_id=learner, award_id=award_id, site_url=SITE, secret=SECRET
    )
    second = credentials.issue_credential(
        units, clock=clock, learner_id=learner, award_id=award_id, site_url=SITE, secret=SECRET
    )
    assert first.jwt == second.jwt  # Ed25519 is deterministic: same key, same bytes
    with unit_of(loaded) as uow:
        assert len(uow.session.scalars(select(IssuerKeyRow)).all()) == 1


def test_only_the_learner_gets_their_credential(
    units: UnitOfWorkFactory, award, history: History, loaded, clock
) -> None:
    _learner, award_id = award
    other = history.learner("eve")
    with pytest.raises(NotFound):
        credentials.issue_credential(
            units, clock=clock, learner_id=other, award_id=award_id, site_url=SITE, secret=SECRET
        )
    with pytest.raises(NotFound):
        credentials.issue_credential(
            units, clock=clock, learner_id=other, award_id="nope", site_url=SITE, secret=SECRET
        )


def test_a_deleted_award_is_genuine_but_not_on_record(
    issued: IssuedCredential, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    with unit_of(loaded) as uow:
        uow.session.query(AwardRow).delete()
        uow.commit()
    result = check(loaded, clock, issued.jwt)
    assert result.verdict is Verdict.GENUINE
    assert result.award_on_record is False


def stored_pems(sessions: sessionmaker[Session]) -> list[str]:
    with unit_of(sessions) as uow:
        rows = uow.session.scalars(select(IssuerKeyRow).order_by(IssuerKeyRow.id)).all()
        return [row.private_key_pem for row in rows]


def test_the_private_key_is_stored_sealed(issued: IssuedCredential, loaded) -> None:
    (pem,) = stored_pems(loaded)
    assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError, match="encrypted"):
        serialization.load_pem_private_key(pem.encode(), None)
    # A wrong password is refused; about 2 times in 600 the wrongly decrypted bytes end in
    # valid padding and the refusal comes from parsing them instead.
    with pytest.raises(ValueError, match=r"Incorrect password|Could not deserialize"):
        serialization.load_pem_private_key(pem.encode(), SECRET.encode())  # not the password


def test_a_key_stored_in_the_clear_is_sealed_and_goes_on_signing(
    units: UnitOfWorkFactory, award, loaded, clock
) -> None:
    """As keys were stored before they were sealed."""
    key = Ed25519PrivateKey.generate()
    clear = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    with unit_of(loaded) as uow:
        IssuerKeyStore(uow.session).add(
            private_key_pem=clear, public_key_multibase=did_key.multibase_of(public), now=clock()
        )
        uow.commit()
    learner, award_id = award
    issued = credentials.issue_credential(
        units, clock=clock, learner_id=learner, award_id=award_id, site_url=SITE, secret=SECRET
    )
    assert issued.credential["issuer"]["id"] == did_key.did_of(did_key.multibase_of(public))
    (pem,) = stored_pems(loaded)
    assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")


def test_after_the_secret_changes_a_new_key_signs_and_old_credentials_verify(
    units: UnitOfWorkFactory, award, issued: IssuedCredential, loaded, clock
) -> None:
    learner, award_id = award
    later = credentials.issue_credential(
        units, clock=clock, learner_id=learner, award_id=award_id, site_url=SITE, secret="t" * 40
    )
    assert later.credential["issuer"]["id"] != issued.credential["issuer"]["id"]
    assert check(loaded, clock, issued.jwt).verdict is Verdict.GENUINE
    assert check(loaded, clock, later.jwt).verdict is Verdict.GENUINE
    keys = credentials.issuer_keys(units, clock=clock, secret="t" * 40)
    assert [key.did for key in keys] == [
        later.credential["issuer"]["id"],
        issued.credential["issuer"]["id"],
    ]  # the one that signs first
    assert len(stored_pems(loaded)) == 2
