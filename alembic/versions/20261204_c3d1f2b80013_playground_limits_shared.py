"""the playground's rate limit and sandbox share, shared by every app process

* ``playground_buckets``: each learner's token bucket for playground runs, kept as the
  moment it is full again (integer microseconds, so a guarded UPDATE can add to it).
* ``sandbox_claims``: each learner's snippets in the sandbox, one row per slot held,
  with a lease that lets a slot left by a crashed process expire.

Both hold only short-lived state: a downgrade drops them and loses nothing that lasts.

Revision ID: c3d1f2b80013
Revises: b2c0e1a70012
Create Date: 2026-12-04 17:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3d1f2b80013"
down_revision: str | Sequence[str] | None = "b2c0e1a70012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "playground_buckets",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("full_at_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_playground_buckets")),
    )
    op.create_index(
        op.f("ix_playground_buckets_full_at_us"), "playground_buckets", ["full_at_us"]
    )
    op.create_table(
        "sandbox_claims",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=32), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("learner_id", "slot", name=op.f("pk_sandbox_claims")),
    )
    op.create_index(op.f("ix_sandbox_claims_lease_until"), "sandbox_claims", ["lease_until"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sandbox_claims_lease_until"), table_name="sandbox_claims")
    op.drop_table("sandbox_claims")
    op.drop_index(op.f("ix_playground_buckets_full_at_us"), table_name="playground_buckets")
    op.drop_table("playground_buckets")
