"""challenge sets carry a content stamp: new whenever loading changes what a set holds

Revision ID: d4e2a3c90014
Revises: c3d1f2b80013
Create Date: 2026-12-05 02:30:00

What is derived from a set's content (the set as loaded, the revisions a run takes) is
cached per process and checked against this stamp with one single-row read, so a `quiz
load` in any process is noticed. A random token, not a counter: two databases (or one
rebuilt) never give the same stamp to different content. Existing sets get one here.
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4e2a3c90014"
down_revision: str | Sequence[str] | None = "c3d1f2b80013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("challenge_sets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_stamp", sa.String(length=32), nullable=True))
    sets = sa.table("challenge_sets", sa.column("id", sa.Integer), sa.column("content_stamp"))
    connection = op.get_bind()
    for (set_id,) in connection.execute(sa.select(sets.c.id)).all():
        connection.execute(
            sets.update().where(sets.c.id == set_id).values(content_stamp=uuid.uuid4().hex)
        )


def downgrade() -> None:
    with op.batch_alter_table("challenge_sets", schema=None) as batch_op:
        batch_op.drop_column("content_stamp")
