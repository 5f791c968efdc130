"""Repositories of the playground's per-learner limits, shared by every app process: the
rate limit (a token bucket) and the share of the sandbox (claimed slots).

Every statement runs in the caller's transaction. A token is taken by one guarded
UPDATE (the check and the take are one statement), and a slot by an INSERT that the
primary key refuses when the slot is held: two processes can never both have the last
token or the last slot. On PostgreSQL the second waits for the first's row lock and
then sees its row; on SQLite writers take turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.persistence.tables import PlaygroundBucketRow, SandboxClaimRow


@dataclass(frozen=True)
class BucketRule:
    """An event every `interval_us` sustained, after a burst; `tolerance_us` is how far
    ahead of now the bucket's full moment may be for one more event (burst-1 intervals)."""

    interval_us: int
    tolerance_us: int


class TokenBucketRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def take(self, key: str, *, now_us: int, rule: BucketRule) -> int | None:
        """Take one token of `key`'s bucket: None when taken, else the microseconds until
        one is there (nothing taken)."""
        if self._create(key, now_us):
            self.forget_full(now_us, keep=key)  # a new key: drop full buckets, so idle ones go
        row = PlaygroundBucketRow
        base = case((row.full_at_us > now_us, row.full_at_us), else_=now_us)
        taken = self._session.execute(
            update(row)
            .where(row.key == key, row.full_at_us <= now_us + rule.tolerance_us)
            .values(full_at_us=base + rule.interval_us)
        )
        if _rowcount(taken) == 1:
            return None
        full_at = self._session.scalar(select(row.full_at_us).where(row.key == key))
        return max(1, int(full_at or now_us) - rule.tolerance_us - now_us)

    def forget_full(self, now_us: int, *, keep: str) -> None:
        """Drop the buckets that are full (the same as none), but `keep`'s."""
        row = PlaygroundBucketRow
        self._session.execute(delete(row).where(row.full_at_us <= now_us, row.key != keep))

    def _create(self, key: str, now_us: int) -> bool:
        """The key's row as a full bucket, unless it has one (another process's too)."""
        created = self._session.scalar(
            _insert(self._session)(PlaygroundBucketRow)
            .values(key=key, full_at_us=now_us)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(PlaygroundBucketRow.key)
        )
        return created is not None


class SandboxClaimRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def claim(
        self, learner_id: int, *, slots: int, holder: str, now: datetime, lease_until: datetime
    ) -> int | None:
        """Take a free slot of the learner's `slots` for `holder`: its number, or None
        when all are held. Slots whose lease ended (their process died) are free."""
        self._session.execute(
            delete(SandboxClaimRow).where(
                SandboxClaimRow.learner_id == learner_id, SandboxClaimRow.lease_until <= now
            )
        )
        for slot in range(slots):
            taken = self._session.scalar(
                _insert(self._session)(SandboxClaimRow)
                .values(learner_id=learner_id, slot=slot, holder=holder, lease_until=lease_until)
                .on_conflict_do_nothing(index_elements=["learner_id", "slot"])
                .returning(SandboxClaimRow.slot)  # a row: inserted (rowcount is not portable)
            )
            if taken is not None:
                return slot
        return None

    def release(self, learner_id: int, slot: int, holder: str) -> None:
        """Give the slot back, if `holder` still has it (not after its lease was taken over)."""
        self._session.execute(
            delete(SandboxClaimRow).where(
                SandboxClaimRow.learner_id == learner_id,
                SandboxClaimRow.slot == slot,
                SandboxClaimRow.holder == holder,
            )
        )

    def held(self, learner_id: int, now: datetime) -> int:
        """The learner's slots held now."""
        count = self._session.scalar(
            select(func.count()).where(
                SandboxClaimRow.learner_id == learner_id, SandboxClaimRow.lease_until > now
            )
        )
        return int(count or 0)


def _insert(session: Session) -> Any:
    """INSERT with ON CONFLICT for this engine (both dialects spell it the same)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
