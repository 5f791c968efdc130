"""The issuer's signing keys: created once, kept; the oldest one signs.

Several rows can exist (two servers starting at once may each create one, or a key
was rotated by hand); every stored key verifies, and the first one signs, so a
credential's key never changes underneath it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.persistence.tables import IssuerKeyRow


class IssuerKeyStore:
    def __init__(self, session: Session) -> None:
        self._session = session

    def all(self) -> Sequence[IssuerKeyRow]:
        return self._session.scalars(select(IssuerKeyRow).order_by(IssuerKeyRow.id)).all()

    def signing(self) -> IssuerKeyRow | None:
        return self._session.scalars(
            select(IssuerKeyRow).order_by(IssuerKeyRow.id).limit(1)
        ).first()

    def by_multibase(self, multibase: str) -> IssuerKeyRow | None:
        return self._session.scalars(
            select(IssuerKeyRow).where(IssuerKeyRow.public_key_multibase == multibase).limit(1)
        ).first()

    def add(self, *, private_key_pem: str, public_key_multibase: str, now: datetime) -> None:
        self._session.add(
            IssuerKeyRow(
                private_key_pem=private_key_pem,
                public_key_multibase=public_key_multibase,
                created_at=now,
            )
        )
