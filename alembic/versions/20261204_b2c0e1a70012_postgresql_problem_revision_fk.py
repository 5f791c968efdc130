"""problems.current_revision_id references problem_revisions on every engine

Revision ID: b2c0e1a70012
Revises: 7a41a47510a1
Create Date: 2026-12-04 18:00:00

The initial schema declares this foreign key `use_alter=True` (problems and
problem_revisions reference each other). SQLite writes such a key inside CREATE TABLE;
other engines leave it for an ALTER TABLE that `op.create_table` never emits, so on
PostgreSQL the column referenced nothing. This adds the constraint there; SQLite has
had it from the start and is left alone.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b2c0e1a70012"
down_revision: str | Sequence[str] | None = "7a41a47510a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "fk_problems_current_revision_id_problem_revisions"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.create_foreign_key(NAME, "problems", "problem_revisions", ["current_revision_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(NAME, "problems", type_="foreignkey")
