"""The issuer's signing keys: created once, kept, every one of them verifying.

Several rows can exist: two servers starting at once may each create one, a key was
rotated by hand, or the site's secret changed so that the older keys, sealed under
it, can no longer sign (app.services.credentials chooses which key signs). Every
stored key verifies, so a credential's key never disappears underneath it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.persistence.tables import IssuerKeyRow


@dataclass(frozen=True)
class StoredKey:
    id: int
    private_key_pem: str = field(repr=False)
    public_key_multibase: str
    created_at: datetime


class IssuerKeyStore:
    def __init__(self, session: Session) -> None:
        self._session = session

    def all(self) -> list[StoredKey]:
        """Oldest first."""
        rows = self._session.scalars(select(IssuerKeyRow).order_by(IssuerKeyRow.id)).all()
        return [
            StoredKey(row.id, row.private_key_pem, row.public_key_multibase, row.created_at)
            for row in rows
        ]

    def add(self, *, private_key_pem: str, public_key_multibase: str, now: datetime) -> None:
        self._session.add(
            IssuerKeyRow(
                private_key_pem=private_key_pem,
                public_key_multibase=public_key_multibase,
                created_at=now,
            )
        )

    def replace_private_key(self, key_id: int, private_key_pem: str) -> None:
        """The same key, stored another way (sealed where it was stored in the clear)."""
        self._session.execute(
            update(IssuerKeyRow)
            .where(IssuerKeyRow.id == key_id)
            .values(private_key_pem=private_key_pem)
        )
