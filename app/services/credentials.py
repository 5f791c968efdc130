"""Verifiable badges: every award as a signed Open Badges 3.0 credential, and checking one.

Format: VC-JWT, the JWT proof format of Open Badges 3.0 (§8.2): a compact JWS, alg
EdDSA (Ed25519), whose payload is the OpenBadgeCredential plus `iss`, `jti` and `nbf`.
The JSON download is the credential itself with the JWT as its proof
(`{"type": "JwtProof2020", "jwt": ...}`, as Veramo writes it): readable as it is, and
a verifier checks the JWT and that the readable part says the same.
Chosen over Data Integrity `eddsa-rdfc-2022` because RDF canonicalisation needs a
JSON-LD processor and the JSON-LD context documents (fetched over the network, or
vendored and kept exactly in step with the published ones); a JWS signs the exact
bytes, so verifying needs only the key, here or in any JOSE library, offline.

The issuer is a `did:key` (the public key itself), also published as a JWK; the
header carries both `kid` and `jwk` so other verifiers need no lookup. Our verifier
never trusts the header's key: genuine means "signed by one of this site's keys".
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from app.domain import did_key, open_badges
from app.domain.clock import Clock
from app.domain.errors import NotFound
from app.domain.open_badges import IssuerProfile
from app.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory

ISSUER_NAME = "torch-quiz"
JWT_MEDIA_TYPE = "application/vc+jwt"
PROOF_TYPE = "JwtProof2020"
_JWT_CLAIMS = ("iss", "jti", "nbf")
MAX_CREDENTIAL_CHARS = 64_000
_SEALED = "-----BEGIN ENCRYPTED PRIVATE KEY-----"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IssuerKey:
    multibase: str
    created_at: datetime

    @property
    def did(self) -> str:
        return did_key.did_of(self.multibase)

    @property
    def verification_method(self) -> str:
        return did_key.verification_method_of(self.multibase)

    @property
    def jwk(self) -> dict[str, str]:
        return {**public_jwk(self.multibase), "kid": self.verification_method}


def public_jwk(multibase: str) -> dict[str, str]:
    """RFC 8037: an Ed25519 public key as a JWK."""
    x = did_key.b64url(did_key.public_key_of(multibase))
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "alg": "EdDSA", "use": "sig"}


@dataclass(frozen=True)
class IssuedCredential:
    award_id: str
    jwt: str  # what verifies
    credential: dict[str, Any]  # the OpenBadgeCredential, as signed (without JWT claims)

    def document(self) -> dict[str, Any]:
        """The JSON download: the credential, with the JWT as its proof."""
        return {**self.credential, "proof": {"type": PROOF_TYPE, "jwt": self.jwt}}


def issuer_keys(units: UnitOfWorkFactory, *, clock: Clock, secret: str) -> list[IssuerKey]:
    """Every key that verifies, the signing one first; creates it on first use."""
    with units() as uow:
        _, signing = _signing_key(uow, clock, secret)
        stored = uow.issuer_keys.all()
        return [
            IssuerKey(key.public_key_multibase, key.created_at)
            for key in sorted(stored, key=lambda key: key.public_key_multibase != signing)
        ]


def issue_credential(
    units: UnitOfWorkFactory,
    *,
    clock: Clock,
    learner_id: int,
    award_id: str,
    site_url: str,
    secret: str,
    issuer_name: str = ISSUER_NAME,
) -> IssuedCredential:
    """The learner's award, signed; another learner's award is NotFound."""
    with units() as uow:
        owned = uow.award_credentials.award(award_id)
        if owned is None or owned.learner_id != learner_id:
            raise NotFound("There is no such badge among yours.")
        private_key, multibase = _signing_key(uow, clock, secret)
        issuer = IssuerProfile(did_key.did_of(multibase), issuer_name, site_url.rstrip("/"))
        credential = open_badges.open_badge_credential(owned.facts, issuer)
        header = {
            "alg": "EdDSA",
            "typ": "JWT",
            "kid": did_key.verification_method_of(multibase),
            "jwk": public_jwk(multibase),
        }
        claims = open_badges.jwt_claims(credential, owned.facts.awarded_at)
        return IssuedCredential(award_id, _sign(private_key, header, claims), credential)


def _signing_key(uow: UnitOfWork, clock: Clock, secret: str) -> tuple[Ed25519PrivateKey, str]:
    """The oldest key this site's secret unseals signs; a key stored in the clear (as
    before keys were sealed) is sealed now. None unseals (the secret changed): a new
    key is made, and the older ones go on verifying what they signed."""
    store = uow.issuer_keys
    for stored in store.all():
        key = _unsealed(stored.private_key_pem, secret)
        if key is None:
            continue
        if not stored.private_key_pem.startswith(_SEALED):
            store.replace_private_key(stored.id, _sealed(key, secret))
            uow.commit()
        return key, stored.public_key_multibase
    if store.all():
        log.warning("no issuer key opens with this QUIZ_SECRET_KEY: a new one will sign")
    key = Ed25519PrivateKey.generate()
    store.add(
        private_key_pem=_sealed(key, secret), public_key_multibase=_multibase(key), now=clock()
    )
    uow.commit()
    return key, _multibase(key)


def _sealing_password(secret: str) -> bytes:
    """A password of its own for the keys, derived from the site's secret."""
    return hmac.new(secret.encode(), b"torch-quiz issuer key", hashlib.sha256).hexdigest().encode()


def _sealed(key: Ed25519PrivateKey, secret: str) -> str:
    encryption = serialization.BestAvailableEncryption(_sealing_password(secret))
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    return pem.decode("ascii")


def _unsealed(pem: str, secret: str) -> Ed25519PrivateKey | None:
    password = _sealing_password(secret) if pem.startswith(_SEALED) else None
    try:
        loaded = serialization.load_pem_private_key(pem.encode("ascii"), password)
    except ValueError:
        return None  # sealed under another secret
    if not isinstance(loaded, Ed25519PrivateKey):
        raise TypeError("the stored issuer key is not an Ed25519 key")
    return loaded


def _multibase(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return did_key.multibase_of(raw)


def _json_part(value: dict[str, Any]) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return did_key.b64url(text.encode("utf-8"))


def _sign(key: Ed25519PrivateKey, header: dict[str, Any], claims: dict[str, Any]) -> str:
    signing_input = f"{_json_part(header)}.{_json_part(claims)}"
    signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{did_key.b64url(signature)}"


# -- checking a credential ---------------------------------------------------------


class Verdict(StrEnum):
    GENUINE = "genuine"
    ALTERED = "altered"  # our format, but the signature does not match its content
    FOREIGN = "foreign"  # a valid-looking credential signed by a key that is not ours
    UNREADABLE = "unreadable"  # not a credential this page can read

    @property
    def is_genuine(self) -> bool:
        return self is Verdict.GENUINE


@dataclass(frozen=True)
class CredentialCheck:
    verdict: Verdict
    headline: str
    explanation: str
    credential: dict[str, Any] | None = None  # only when the signature verified
    award_on_record: bool | None = None

    @property
    def genuine(self) -> bool:
        return self.verdict.is_genuine

    @property
    def learner(self) -> str | None:
        subject = (self.credential or {}).get("credentialSubject", {})
        for identifier in subject.get("identifier", []):
            if isinstance(identifier, dict) and not identifier.get("hashed", True):
                return str(identifier.get("identityHash"))
        return None

    @property
    def badge_name(self) -> str | None:
        achievement = (self.credential or {}).get("credentialSubject", {}).get("achievement", {})
        name = achievement.get("name") if isinstance(achievement, dict) else None
        return str(name) if name else None

    @property
    def valid_from(self) -> str | None:
        value = (self.credential or {}).get("validFrom")
        return str(value) if value else None


def verify_credential(
    units: UnitOfWorkFactory, *, clock: Clock, text: str, site_url: str
) -> CredentialCheck:
    """Genuine: signed by one of this site's keys, unchanged, and naming this site
    (`site_url`, QUIZ_PUBLIC_URL) as its issuer and its badge's home."""
    found = _token_of(text)
    if isinstance(found, CredentialCheck):
        return found
    token, readable = found
    parts = token.split(".")
    if len(parts) != 3:
        return _unreadable("A signed credential has three parts separated by dots.")
    try:
        header = json.loads(did_key.b64url_decode(parts[0]))
    except ValueError:
        return _unreadable("Its first part (the JOSE header) cannot be read.")
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        return _unreadable("It is not signed with EdDSA (Ed25519), as this site signs.")
    with units() as uow:
        keys = {key.public_key_multibase for key in uow.issuer_keys.all()}
        multibase = _claimed_key(header)
        if multibase is None or multibase not in keys:
            return CredentialCheck(
                Verdict.FOREIGN,
                "Not issued by this site",
                "It is signed with a key that is not this site's issuer key, so this site "
                "cannot vouch for it.",
            )
        try:
            signature = did_key.b64url_decode(parts[2])
            public = Ed25519PublicKey.from_public_bytes(did_key.public_key_of(multibase))
            public.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
            claims = json.loads(did_key.b64url_decode(parts[1]))
        except (InvalidSignature, ValueError, UnicodeEncodeError):
            return CredentialCheck(
                Verdict.ALTERED,
                "Not genuine: this credential was changed",
                "The signature does not match the content: something in it was changed "
                "after this site issued it, or it was damaged when copied.",
            )
        return _genuine(uow, claims, multibase, readable, site_url.rstrip("/"))


def _genuine(
    uow: UnitOfWork, claims: Any, multibase: str, readable: dict[str, Any] | None, site: str
) -> CredentialCheck:
    if not isinstance(claims, dict):
        return _unreadable("It is signed by this site but is not one of its badge credentials.")
    issuer = claims.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    types = claims.get("type", [])
    if issuer_id != did_key.did_of(multibase) or open_badges.CREDENTIAL_TYPE not in types:
        return _unreadable("It is signed by this site but is not one of its badge credentials.")
    named = _named_site(claims)
    if named != site:
        return CredentialCheck(
            Verdict.FOREIGN,
            "Not issued by this site",
            f"It is signed with this site's key but names {named or 'no address'} as its "
            f"issuer, not this site ({site}), so this site cannot vouch for it.",
        )
    signed = {key: value for key, value in claims.items() if key not in _JWT_CLAIMS}
    if readable is not None and readable != signed:
        return CredentialCheck(
            Verdict.ALTERED,
            "Not genuine: this credential was changed",
            "Its signature is intact, but the readable part next to it says something else "
            "than what this site signed.",
        )
    award_id = open_badges.award_id_of(str(claims.get("id", "")))
    on_record = award_id is not None and uow.award_credentials.on_record(award_id)
    explanation = "The signature matches: this site issued this credential, unchanged."
    if not on_record:
        explanation += " The award is no longer on record here (its account may be deleted)."
    return CredentialCheck(
        Verdict.GENUINE, "Genuine", explanation, credential=signed, award_on_record=on_record
    )


def _named_site(claims: dict[str, Any]) -> str | None:
    """The site a credential names: its issuer's url, if its badge's id lives there too."""
    issuer = claims.get("issuer")
    url = issuer.get("url") if isinstance(issuer, dict) else None
    subject = claims.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    badge = achievement.get("id") if isinstance(achievement, dict) else None
    if not isinstance(url, str) or not isinstance(badge, str) or not badge.startswith(url + "/"):
        return None
    return url


def _claimed_key(header: dict[str, Any]) -> str | None:
    kid = header.get("kid")
    if isinstance(kid, str) and kid.startswith("did:key:"):
        try:
            return did_key.multibase_from_did(kid)
        except ValueError:
            return None
    jwk = header.get("jwk")
    if isinstance(jwk, dict) and jwk.get("crv") == "Ed25519" and isinstance(jwk.get("x"), str):
        try:
            return did_key.multibase_of(did_key.b64url_decode(jwk["x"]))
        except ValueError:
            return None
    return None


def _token_of(text: str) -> tuple[str, dict[str, Any] | None] | CredentialCheck:
    """The compact JWS in what was pasted, and the readable credential beside it, if any.

    Accepted: our JSON download (the credential with `proof.jwt`), a bare JWT, a JSON
    string holding one, `{"jwt": ...}`, and a VC 2.0 EnvelopedVerifiableCredential.
    """
    body = text.strip()
    if not body:
        return _unreadable("Paste a credential, or choose its file.")
    if len(body) > MAX_CREDENTIAL_CHARS:
        return _unreadable("That is far longer than any credential this site issues.")
    readable: dict[str, Any] | None = None
    if body.startswith(("{", '"')):
        try:
            data = json.loads(body)
        except ValueError:
            return _unreadable("It looks like JSON but is not valid JSON.")
        proof = data.get("proof") if isinstance(data, dict) else None
        if isinstance(data, str):
            body = data.strip()
        elif isinstance(proof, dict) and isinstance(proof.get("jwt"), str):
            body = proof["jwt"].strip()
            readable = {key: value for key, value in data.items() if key != "proof"}
        elif isinstance(data, dict) and isinstance(data.get("jwt"), str):
            body = data["jwt"].strip()
        elif isinstance(data, dict) and str(data.get("id", "")).startswith("data:"):
            body = str(data["id"])
        elif proof is not None:
            return _unreadable("Its proof is not a JWT; this site signs its credentials as VC-JWT.")
        else:
            return _unreadable("This JSON holds no signed credential (no proof).")
    return body.removeprefix(f"data:{JWT_MEDIA_TYPE},"), readable


def _unreadable(reason: str) -> CredentialCheck:
    return CredentialCheck(Verdict.UNREADABLE, "Cannot check this", reason)
