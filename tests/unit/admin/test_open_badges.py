"""The OpenBadgeCredential document: the members Open Badges 3.0 requires, from plain facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.open_badges import (
    AwardFacts,
    IssuerProfile,
    award_id_of,
    jwt_claims,
    open_badge_credential,
)

AWARDED = datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=UTC)
FACTS = AwardFacts(
    award_id="0b7e4a6e-0000-4000-8000-000000000001",
    learner="ada",
    badge_name="GRU Mastery",
    badge_description="Answered every GRU challenge correctly under time pressure.",
    set_slug="gru-mastery",
    set_title="GRU Mastery Badge",
    topic="NLP",
    awarded_at=AWARDED,
    run_id="0b7e4a6e-0000-4000-8000-000000000002",
    run_started_at=AWARDED - timedelta(seconds=252),
    run_finished_at=AWARDED,
    problems=5,
    correct=5,
    attempts_used=7,
    hints_used=1,
)
ISSUER = IssuerProfile("did:key:z6MkExample", "torch-quiz", "https://quiz.example/")


def test_credential_has_what_open_badges_3_requires() -> None:
    vc = open_badge_credential(FACTS, ISSUER)
    assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert "purl.imsglobal.org/spec/ob/v3p0" in vc["@context"][1]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["id"] == f"urn:uuid:{FACTS.award_id}"
    assert vc["issuer"] == {
        "id": "did:key:z6MkExample",
        "type": ["Profile"],
        "name": "torch-quiz",
        "url": "https://quiz.example",
    }
    assert vc["validFrom"] == "2026-03-04T05:06:07Z"
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["id"] == "https://quiz.example/challenges/gru-mastery#badge"
    assert achievement["name"] == "GRU Mastery"
    assert "all 5 problems" in achievement["criteria"]["narrative"]
    assert vc["credentialSubject"]["identifier"][0]["identityHash"] == "ada"
    evidence = vc["evidence"][0]
    assert evidence["type"] == ["Evidence"]
    assert evidence["id"] == f"urn:uuid:{FACTS.run_id}"
    assert (
        evidence["narrative"]
        == "5 of 5 problems right in 4 min 12 s, with 7 attempt(s) and 1 hint(s)."
    )


def test_jwt_claims_mirror_the_credential() -> None:
    vc = open_badge_credential(FACTS, ISSUER)
    claims = jwt_claims(vc, AWARDED)
    assert claims["iss"] == vc["issuer"]["id"]
    assert claims["jti"] == vc["id"]
    assert claims["nbf"] == int(AWARDED.timestamp())
    assert award_id_of(claims["jti"]) == FACTS.award_id
    assert award_id_of("https://elsewhere/1") is None
