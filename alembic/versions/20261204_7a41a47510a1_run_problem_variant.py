"""run problems remember the variant drawn: the param values a learner's problem was filled with

Revision ID: 7a41a47510a1
Revises: 5e5510a11a01
Create Date: 2026-12-04 15:00:00

A problem with `params` is taken as one variant per run; the values are stored so a
reload, another process, the result page, analytics and "Run it" all see the same one.
Pools need no column: pooled problems share their `problems.position`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a41a47510a1"
down_revision: str | Sequence[str] | None = "5e5510a11a01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("run_problems", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variant", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run_problems", schema=None) as batch_op:
        batch_op.drop_column("variant")
