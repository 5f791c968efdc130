"""An award as an Open Badges 3.0 `OpenBadgeCredential`: the document, before signing.

Built from plain facts so the shape is tested without keys or a database. The
achievement is the set's badge, the criteria say what earning it takes, the run that
earned it is the evidence, and the learner is named by their username (the
credential is theirs to share; it says nothing they did not show on the site).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.domain.runs import run_seconds

CONTEXTS = (
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
)
CREDENTIAL_TYPE = "OpenBadgeCredential"


@dataclass(frozen=True)
class IssuerProfile:
    id: str  # did:key of the signing key
    name: str
    url: str  # the site, for people


@dataclass(frozen=True)
class AwardFacts:
    award_id: str
    learner: str
    badge_name: str
    badge_description: str
    set_slug: str
    set_title: str
    topic: str | None
    awarded_at: datetime
    run_id: str
    run_started_at: datetime
    run_finished_at: datetime | None
    problems: int
    correct: int
    attempts_used: int
    hints_used: int


def iso(moment: datetime) -> str:
    """XML Schema dateTime in UTC, to the second: 2026-01-01T12:00:00Z."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def credential_id(award_id: str) -> str:
    return f"urn:uuid:{award_id}"


def award_id_of(credential_id_value: str) -> str | None:
    prefix = "urn:uuid:"
    return credential_id_value[len(prefix) :] if credential_id_value.startswith(prefix) else None


def open_badge_credential(facts: AwardFacts, issuer: IssuerProfile) -> dict[str, Any]:
    site = issuer.url.rstrip("/")
    profile = {"id": issuer.id, "type": ["Profile"], "name": issuer.name, "url": site}
    achievement: dict[str, Any] = {
        "id": f"{site}/challenges/{facts.set_slug}#badge",
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": facts.badge_name,
        "description": facts.badge_description or facts.badge_name,
        "criteria": {"narrative": criteria(facts)},
        "creator": profile,
    }
    if facts.topic:
        achievement["tag"] = [facts.topic]
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": facts.learner,
                "identityType": "userName",
                "hashed": False,
            }
        ],
        "achievement": achievement,
        "activityStartDate": iso(facts.run_started_at),
    }
    if facts.run_finished_at is not None:
        subject["activityEndDate"] = iso(facts.run_finished_at)
    return {
        "@context": list(CONTEXTS),
        "id": credential_id(facts.award_id),
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "name": facts.badge_name,
        "description": facts.badge_description or facts.badge_name,
        "issuer": profile,
        "validFrom": iso(facts.awarded_at),
        "credentialSubject": subject,
        "evidence": [
            {
                "id": f"urn:uuid:{facts.run_id}",
                "type": ["Evidence"],
                "name": f"Timed run of {facts.set_title}",
                "narrative": evidence_narrative(facts),
            }
        ],
    }


def criteria(facts: AwardFacts) -> str:
    return (
        f"Answer all {facts.problems} problems of *{facts.set_title}* correctly in a single "
        "timed run, each before its countdown ends and within its allowed attempts. Every "
        "answer about code was verified by running the code."
    )


def evidence_narrative(facts: AwardFacts) -> str:
    text = f"{facts.correct} of {facts.problems} problems right"
    took = run_seconds(facts.run_started_at, facts.run_finished_at)
    if took is not None:
        seconds = int(took)
        text += f" in {seconds // 60} min {seconds % 60:02d} s"
    hints = "no hints" if facts.hints_used == 0 else f"{facts.hints_used} hint(s)"
    return f"{text}, with {facts.attempts_used} attempt(s) and {hints}."


def jwt_claims(credential: dict[str, Any], valid_from: datetime) -> dict[str, Any]:
    """VC-JWT payload (OB 3.0 §8.2): the credential's members plus iss, jti and nbf."""
    return {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": int(valid_from.timestamp()),
    }
