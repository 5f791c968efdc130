"""Verifiable badges on the web: a learner's signed credential, the public verification
page, and the issuer's keys at stable addresses.

Not admin routes: a learner downloads their own credentials, anyone may verify one,
and the keys are public by design.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.services import credentials
from app.services.credentials import MAX_CREDENTIAL_CHARS, IssuedCredential
from app.web.admin.schemas import VerifyIn, VerifyOut
from app.web.deps import ClockDep, DatabaseDep, LearnerId, PublicUrl, SecretKey
from app.web.security import verify_form_csrf
from app.web.templating import render

api = APIRouter(prefix="/api", tags=["credentials"])  # CSRF: the /api middleware
pages = APIRouter(include_in_schema=False, dependencies=[Depends(verify_form_csrf)])
public = APIRouter(tags=["credentials"])


async def _issued(
    award_id: str,
    db: DatabaseDep,
    clock: ClockDep,
    learner: LearnerId,
    secret: SecretKey,
    site: PublicUrl,
) -> IssuedCredential:
    return await db.call_aside(
        credentials.issue_credential,
        clock=clock,
        learner_id=learner,
        award_id=award_id,
        site_url=site,
        secret=secret,
    )


Issued = Annotated[IssuedCredential, Depends(_issued)]  # the learner's award {award_id}


@api.get("/me/badges/{award_id}/credential")
def credential(issued: Issued) -> JSONResponse:
    """The award as a signed Open Badges 3.0 credential: the OpenBadgeCredential, with its
    VC-JWT (EdDSA) in `proof.jwt`. Verify it at /credentials/verify."""
    return JSONResponse(issued.document(), media_type="application/json")


@pages.get("/me/badges/{award_id}/credential.json")
def credential_file(issued: Issued) -> Response:
    body = json.dumps(issued.document(), indent=2, ensure_ascii=False)
    return _download(body, "application/json", f"badge-{issued.award_id}.json")


@pages.get("/me/badges/{award_id}/credential.jwt")
def credential_jwt(issued: Issued) -> Response:
    """The bare VC-JWT, for wallets and verifiers that take one."""
    return _download(issued.jwt, credentials.JWT_MEDIA_TYPE, f"badge-{issued.award_id}.jwt")


def _download(body: str, media_type: str, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=media_type, headers=headers)


@pages.get("/credentials/verify")
def verify_page(request: Request) -> HTMLResponse:
    return render(request, "credentials/verify.html", {"check": None, "pasted": ""})


@pages.post("/credentials/verify")
async def verify_form(
    request: Request,
    db: DatabaseDep,
    clock: ClockDep,
    site: PublicUrl,
    credential_text: Annotated[str, Form(max_length=MAX_CREDENTIAL_CHARS)] = "",
    credential_file: UploadFile | None = None,
) -> HTMLResponse:
    text = credential_text
    if credential_file is not None and credential_file.filename:
        raw = await credential_file.read(MAX_CREDENTIAL_CHARS + 1)
        text = raw.decode("utf-8", errors="replace")
    check = await db.call_aside(
        credentials.verify_credential, clock=clock, text=text, site_url=site
    )
    return render(request, "credentials/verify.html", {"check": check, "pasted": text})


@api.post("/credentials/verify")
async def verify_json(
    body: VerifyIn, db: DatabaseDep, clock: ClockDep, site: PublicUrl
) -> VerifyOut:
    """Check a credential (the JSON download, or the bare JWT) against this site's keys
    and its address (QUIZ_PUBLIC_URL)."""
    text = body.credential if isinstance(body.credential, str) else json.dumps(body.credential)
    check = await db.call_aside(
        credentials.verify_credential, clock=clock, text=text, site_url=site
    )
    return VerifyOut.model_validate(check)


@public.get("/issuer")
async def issuer(
    db: DatabaseDep, clock: ClockDep, secret: SecretKey, site: PublicUrl
) -> dict[str, Any]:
    """The issuer profile named in every credential, with its verification key."""
    keys = await db.call_aside(credentials.issuer_keys, clock=clock, secret=secret)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": keys[0].did,
        "type": ["Profile"],
        "name": credentials.ISSUER_NAME,
        "url": site,
        "verificationMethod": [
            {
                "id": key.verification_method,
                "type": "Multikey",
                "controller": key.did,
                "publicKeyMultibase": key.multibase,
            }
            for key in keys
        ],
    }


class JwkResponse(JSONResponse):
    media_type = "application/jwk+json"  # as the docs say it too


class JwkSetResponse(JSONResponse):
    media_type = "application/jwk-set+json"


@public.get("/issuer/key", response_class=JwkResponse)
async def issuer_key(db: DatabaseDep, clock: ClockDep, secret: SecretKey) -> JwkResponse:
    """The signing key as a JWK (RFC 8037); the same key is the issuer's did:key."""
    key = (await db.call_aside(credentials.issuer_keys, clock=clock, secret=secret))[0]
    return JwkResponse(key.jwk)


@public.get("/.well-known/jwks.json", response_class=JwkSetResponse)
async def jwks(db: DatabaseDep, clock: ClockDep, secret: SecretKey) -> JwkSetResponse:
    """Every key that verifies this site's credentials, as a JWK Set."""
    keys = await db.call_aside(credentials.issuer_keys, clock=clock, secret=secret)
    return JwkSetResponse({"keys": [key.jwk for key in keys]})
